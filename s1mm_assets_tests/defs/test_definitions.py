"""The asset graph as reviewers should see it: any change to keys, deps, partitioning or checks shows in a diff.

Regenerate the snapshot after an intended change with `S1MM_UPDATE_SNAPSHOTS=1 pytest s1mm_assets_tests/defs`.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from s1mm_assets.definitions import defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def _describe_partitions(partitions_def: dg.PartitionsDefinition | None) -> dict | None:
    if partitions_def is None:
        return None
    assert isinstance(partitions_def, dg.MultiPartitionsDefinition)
    described = {}
    for dimension in partitions_def.partitions_defs:
        inner = dimension.partitions_def
        if isinstance(inner, dg.TimeWindowPartitionsDefinition):
            described[dimension.name] = {
                "cron": inner.cron_schedule,
                "start": inner.start.strftime("%Y-%m-%d"),
                "end_offset": inner.end_offset,
                "fmt": inner.fmt,
            }
        else:
            described[dimension.name] = {"keys": inner.get_partition_keys()}
    return described


def graph_snapshot() -> dict:
    repository = defs.get_repository_def()
    graph = repository.asset_graph
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        condition = node.automation_condition
        assets[key.to_user_string()] = {
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "group": node.group_name,
            "kinds": sorted(node.kinds),
            "owners": sorted(node.owners),
            "pools": sorted(node.pools or ()),
            "automation_condition": condition.get_label() if condition else None,
            "partitions": _describe_partitions(node.partitions_def),
            "checks": sorted(
                f"{check.name} (blocking)" if graph.get(check).blocking else check.name for check in node.check_keys
            ),
        }
    return assets


def test_asset_graph_matches_snapshot():
    current = graph_snapshot()
    if os.environ.get("S1MM_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    assert current == json.loads(SNAPSHOT.read_text())


def test_every_asset_and_check_shares_the_one_partitioning():
    from s1mm_assets.defs.partitions import source_month_partitions

    graph = defs.get_repository_def().asset_graph
    for key in graph.get_all_asset_keys():
        if key.to_user_string() == "dataset_report":  # about every partition at once
            assert graph.get(key).partitions_def is None
            continue
        assert graph.get(key).partitions_def is source_month_partitions
    for check in (
        defs.get_repository_def().asset_checks_defs_by_key.values()
        if hasattr(defs.get_repository_def(), "asset_checks_defs_by_key")
        else []
    ):
        assert check.partitions_def is source_month_partitions


def test_dagster_definitions_validate_is_clean():
    dagster = Path(sys.executable).with_name("dagster")
    completed = subprocess.run(
        [str(dagster), "definitions", "validate", "-m", "s1mm_assets.definitions"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "Validation successful" in output
    # dagster's own notice that the command has a successor says nothing about our definitions
    warnings = [line for line in output.splitlines() if "Warning" in line and "SupersessionWarning" not in line]
    assert warnings == [], output
