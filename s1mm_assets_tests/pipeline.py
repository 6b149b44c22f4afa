"""Running the real asset graph in tests: every asset and check, in process, on an isolated instance."""

from __future__ import annotations

import dagster as dg

from s1mm_assets.definitions import ASSETS
from s1mm_assets.defs.partitions import partition_key
from s1mm_assets.defs.resources import resources_from_settings
from s1mm_assets.lib.settings import load_settings


def materialize_partition(
    source: str,
    month: str,
    instance: dg.DagsterInstance | None = None,
    selection: list | None = None,
    **resource_overrides,
) -> dg.ExecuteInProcessResult:
    """Materialize the graph for one partition with the resources of the test's settings: the defaults, plus what
    the test itself set (its S1MM_HOME; conftest removes everything the caller exported), changed by
    `resource_overrides`."""
    resources = {**resources_from_settings(load_settings()), **resource_overrides}
    return dg.materialize(
        selection or ASSETS,
        partition_key=str(partition_key(source, month)),
        resources=resources,
        instance=instance or dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def materialized_assets(result: dg.ExecuteInProcessResult) -> set[str]:
    return {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}


def failed_checks(result: dg.ExecuteInProcessResult) -> set[str]:
    return {evaluation.check_name for evaluation in result.get_asset_check_evaluations() if not evaluation.passed}
