from collections.abc import Iterator

import dagster as dg

from s1mm_assets.defs import groups
from s1mm_assets.defs.partitions import source_and_month, source_month_partitions
from s1mm_assets.defs.quality_scores.assets import quality_scores
from s1mm_assets.defs.reporting import OWNERS, materialize_result
from s1mm_assets.defs.resources import LakeResource, QualityGateResource
from s1mm_assets.lib.sources import SOURCES
from s1mm_assets.lib.stages.ownership import decide_ownership

# A partition's figures may duplicate those of any earlier partition: of the same month, the sources before it in
# the rule's order (its own quality included); of earlier months, their ownership, which reaches back through
# the months before them. Dagster sees both, so a change upstream marks the partitions after it stale.
_SAME_MONTH_SOURCES_UP_TO_THIS_ONE = dg.MultiPartitionMapping(
    {
        "month": dg.DimensionPartitionMapping("month", dg.IdentityPartitionMapping()),
        "source": dg.DimensionPartitionMapping(
            "source", dg.StaticPartitionMapping({source: list(SOURCES[rank:]) for rank, source in enumerate(SOURCES)})
        ),
    }
)
_EVERY_SOURCE_OF_THE_MONTH_BEFORE = dg.MultiPartitionMapping(
    {
        "month": dg.DimensionPartitionMapping("month", dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)),
        "source": dg.DimensionPartitionMapping("source", dg.AllPartitionMapping()),
    }
)

# Decided in the run that scores the partition (the pipeline job, "Materialize all", a backfill), then decided
# again whenever something it was decided against changed after that decision. Unlike `eager`:
# - partitions upstream that were never materialized do not hold it back (most months will not have every source);
# - an update counts even when the run that made it also decided another partition of this asset (Dagster's
#   `any_deps_updated` ignores those: it compares asset keys, not partitions). Whether an input changed before or
#   after the last decision is told by their timestamps (`since` between two timed conditions), so partitions
#   scored at the same time in parallel runs, in any order, end up decided against each other.
# A later month hears of an earlier month's new decision on the next tick, once that decision is made.
_INPUT_UPDATED = dg.AutomationCondition.any_deps_match(dg.AutomationCondition.newly_updated())
DECIDE_AGAIN_WHEN_INPUTS_CHANGE = (
    ~dg.AutomationCondition.missing()
    & _INPUT_UPDATED.since(dg.AutomationCondition.newly_updated())
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("decided again when this or an earlier partition changes")


@dg.asset(
    partitions_def=source_month_partitions,
    deps=[
        dg.AssetDep(quality_scores, partition_mapping=_SAME_MONTH_SOURCES_UP_TO_THIS_ONE),
        dg.AssetDep("figure_ownership", partition_mapping=_EVERY_SOURCE_OF_THE_MONTH_BEFORE),
    ],
    group_name=groups.RELEASE,
    kinds={"python", "parquet"},
    owners=OWNERS,
    automation_condition=DECIDE_AGAIN_WHEN_INPUTS_CHANGE,
    output_required=False,
)
def figure_ownership(
    context: dg.AssetExecutionContext, lake: LakeResource, quality_gate: QualityGateResource
) -> Iterator[dg.MaterializeResult]:
    """Which copy of a figure found in several partitions is released: the first releasable copy in the order
    (month, source, paper, figure), matched by identical bytes, perceptual hash or the same figure of the same
    work (DOI, arXiv id, PMCID in common). A partition loses a figure only to an earlier one, so its decisions do
    not depend on the order partitions are materialized in. Records every lake file consulted (by sha256) in
    `ownership_inputs`; its data version is their digest with the decisions, so a later partition shows stale
    exactly when what it was decided against changed.
    """
    source, month = source_and_month(context)
    opened = lake.open()
    if not opened.has_partition("quality", source, month):
        context.log.info(f"{source}/{month} has no quality scores yet: nothing to decide, nothing recorded")
        return
    yield materialize_result(decide_ownership(opened, source, month, quality_gate.settings()), opened)
