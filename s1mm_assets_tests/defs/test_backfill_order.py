"""The figures a partition releases do not depend on the order partitions are materialized in.

Two backfills of the same sample partitions, one in the rule's order and one in reverse, each followed by the
automation sensor's ticks until it asks for nothing more (it decides again what an earlier partition changed),
end in byte-identical releases. The figure the sample generator plants in both the first arXiv and the first
bioRxiv paper of a month is released once, from arXiv, whatever the order."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from s1mm_assets.definitions import ASSETS, defs
from s1mm_assets.defs.figure_ownership.assets import figure_ownership
from s1mm_assets.defs.partitions import source_month_partitions
from s1mm_assets.defs.release_shards.assets import release_shards
from s1mm_assets.defs.resources import PaperSourceResource
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.sources import SOURCES
from s1mm_assets.lib.sources.sample.source import SHARED_FIGURE
from s1mm_assets_tests.pipeline import materialize_partition

SMALL = PaperSourceResource(sample_papers=2)
PARTITIONS = [("arxiv", "2024-01"), ("biorxiv", "2024-01"), ("biorxiv", "2024-02")]
DECIDED_BY_AUTOMATION = (figure_ownership, release_shards)


class AutomationSensor:
    """The `release_automation` sensor's ticks over an instance, each starting where the last one ended."""

    def __init__(self, instance: dg.DagsterInstance):
        self.instance = instance
        self.cursor = None
        self.requested()  # the sensor was running before anything was materialized

    def requested(self) -> dict[tuple[str, str], list]:
        """(source, month) -> the assets the next tick asks for."""
        result = dg.evaluate_automation_conditions(defs=defs, instance=self.instance, cursor=self.cursor)
        self.cursor = result.cursor
        requested: dict[tuple[str, str], list] = {}
        for asset in DECIDED_BY_AUTOMATION:
            for key in result.get_requested_partitions(asset.key):
                dimensions = source_month_partitions.get_partition_key_from_str(str(key)).keys_by_dimension
                requested.setdefault((dimensions["source"], dimensions["month"]), []).append(asset)
        return requested

    def settle(self) -> int:
        """Tick and run what the sensor asks for (in the rule's order), until it asks for nothing; the runs made."""
        runs = 0
        for _ in range(8):
            requested = self.requested()
            if not requested:
                return runs
            for (source, month), selection in sorted(requested.items(), key=lambda item: _rank(*item[0])):
                assert materialize_partition(
                    source, month, instance=self.instance, selection=selection, paper_source=SMALL
                ).success
                runs += 1
        raise AssertionError("the automation sensor kept asking for runs")


def _rank(source: str, month: str) -> tuple[str, int]:
    return month, SOURCES.index(source)


def _backfill(home: Path, order: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    monkeypatch.setenv("S1MM_HOME", str(home))
    instance = dg.DagsterInstance.ephemeral()
    sensor = AutomationSensor(instance)
    for source, month in order:
        result = materialize_partition(source, month, instance=instance, selection=ASSETS, paper_source=SMALL)
        assert result.success, (source, month)
    sensor.settle()
    releases = home / "lake" / "releases"
    return {
        str(path.relative_to(releases)): path.read_bytes() for path in sorted(releases.rglob("*")) if path.is_file()
    }


def test_two_backfills_in_opposite_orders_release_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    in_order = _backfill(tmp_path / "in-order", PARTITIONS, monkeypatch)
    reversed_ = _backfill(tmp_path / "reversed", PARTITIONS[::-1], monkeypatch)
    assert sorted(in_order) == sorted(reversed_)
    assert {name for name in in_order if in_order[name] != reversed_[name]} == set()

    lake = Lake(str(tmp_path / "reversed" / "lake"))
    owner, copy = SHARED_FIGURE.owner[0], SHARED_FIGURE.copy[0]
    [planted] = [
        row for row in lake.read_table("ownership", copy, "2024-01").to_pylist() if row["duplicate_of"] is not None
    ]
    arxiv_figures = {row["figure_id"]: row for row in lake.read_table("ownership", owner, "2024-01").to_pylist()}
    assert planted["duplicate_partition"] == f"{owner}/2024-01" and planted["duplicate_kind"] in ("exact", "near")
    assert arxiv_figures[planted["duplicate_of"]]["owned"]

    def released(source: str) -> set[str]:
        return {json.loads(line)["figure_id"] for line in in_order[f"{source}/2024-01/metadata.jsonl"].splitlines()}

    assert planted["duplicate_of"] in released(owner) and planted["figure_id"] not in released(copy)
    held_back = [json.loads(line) for line in in_order[f"{copy}/2024-01/held_back.jsonl"].splitlines()]
    assert {row["figure_id"]: row["reasons"] for row in held_back}[planted["figure_id"]] == ["duplicate"]

    # the release says what its decisions were made against
    manifest = json.loads(in_order[f"{copy}/2024-01/manifest.json"])
    assert f"quality/{owner}/2024-01" in manifest["ownership"]["consulted"]
    february = json.loads(in_order[f"{copy}/2024-02/manifest.json"])
    assert {f"ownership/{source}/2024-01" for source in (owner, copy)} <= set(february["ownership"]["consulted"])


def test_a_change_in_an_earlier_partition_marks_the_later_ones_for_a_new_decision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("S1MM_HOME", str(tmp_path))
    instance = dg.DagsterInstance.ephemeral()
    sensor = AutomationSensor(instance)
    for source, month in PARTITIONS[::-1]:
        assert materialize_partition(source, month, instance=instance, selection=ASSETS, paper_source=SMALL).success
    requested = {key for key, assets in sensor.requested().items() if figure_ownership in assets}
    # the bioRxiv partitions were decided before arXiv's January existed
    assert {("biorxiv", "2024-01"), ("biorxiv", "2024-02")} <= requested
    assert ("arxiv", "2024-01") not in requested  # nothing before it changed
