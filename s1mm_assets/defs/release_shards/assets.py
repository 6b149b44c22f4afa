import dagster as dg

from s1mm_assets.defs.partitions import source_and_month, source_month_partitions
from s1mm_assets.defs.quality_scores.assets import quality_scores
from s1mm_assets.defs.reporting import OWNERS, materialize_result
from s1mm_assets.defs.resources import LakeResource
from s1mm_assets.lib.stages.release import publish_release

# `eager` without its latest-month restriction: any month re-scored and passing its checks is re-released.
# Blocking checks only stop downstream steps inside one run; the condition carries the gate across runs.
RELEASE_WHEN_CHECKS_PASS = (
    dg.AutomationCondition.eager().without(dg.AutomationCondition.in_latest_time_window())
    & dg.AutomationCondition.all_deps_blocking_checks_passed()
).with_label("eager, all blocking checks passed")


@dg.asset(
    partitions_def=source_month_partitions,
    deps=[quality_scores],
    group_name="release",
    kinds={"webdataset", "parquet"},
    owners=OWNERS,
    automation_condition=RELEASE_WHEN_CHECKS_PASS,
)
def release_shards(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """The partition's figures that passed every filter, as WebDataset tar shards with JSONL and Parquet
    metadata (S1-MMAlign fields `image_path`, `caption`, `recaption`, `title`, `categories` plus ours) and a
    sha256 manifest that `s1mm verify` checks. One row per shard in the `releases` table.
    """
    source, month = source_and_month(context)
    opened = lake.open()
    return materialize_result(publish_release(opened, source, month), opened)
