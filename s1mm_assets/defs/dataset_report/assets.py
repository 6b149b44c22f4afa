import dagster as dg

from s1mm_assets.defs import groups
from s1mm_assets.defs.release_shards.assets import release_shards
from s1mm_assets.defs.reporting import OWNERS, materialize_result
from s1mm_assets.defs.resources import LakeResource
from s1mm_assets.lib.stages.dataset_report import build_dataset_report

# Refreshed once the partitions released since the last report are done: a backfill of many partitions gives one
# report at its end rather than one per partition. A run that releases partitions and the report together (the CLI,
# "Materialize all") does not ask for another.
REFRESH_WHEN_PARTITIONS_RELEASE = (
    dg.AutomationCondition.any_deps_updated().since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("refreshed when partitions are released")


@dg.asset(
    deps=[release_shards],
    group_name=groups.REPORT,
    kinds={"duckdb", "matplotlib"},
    owners=OWNERS,
    automation_condition=REFRESH_WHEN_PARTITIONS_RELEASE,
    # one report at a time: two would interleave the card, the charts and the manifest that lists them
    pool="dataset_report",
)
def dataset_report(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """The dataset as a whole, over every partition: coverage by source x month (papers, figures, released, held back,
    quarantined), caption lengths raw vs enhanced beside S1-MMAlign's (267 ± 261 -> 759 ± 251 characters), CLIP raw vs
    enhanced and the delta by discipline (not measured where no CLIP model scored), grounding, figure types,
    licences, hold-back and quarantine reasons.

    Writes the tables to the lake (`report/`, views `report_*` in SQL), PNG charts (caption length histograms, CLIP
    delta distribution, a source x month coverage heat map) under `releases/charts/`, the top-level dataset card
    `releases/README.md` indexing every released partition, and `releases/manifest.json`, the manifest of the
    releases' manifests that `s1mm verify` checks.
    """
    return materialize_result(build_dataset_report(lake.open()), lake.open())
