import dagster as dg

from s1mm_assets.defs import groups
from s1mm_assets.defs.figure_ownership.assets import figure_ownership
from s1mm_assets.defs.partitions import source_and_month, source_month_partitions
from s1mm_assets.defs.quality_scores.assets import quality_scores
from s1mm_assets.defs.reporting import OWNERS, materialize_result
from s1mm_assets.defs.resources import LakeResource
from s1mm_assets.lib.stages.release import publish_release

# `eager` without its latest-month restriction: any month re-scored and passing its checks is re-released.
# Blocking checks only stop downstream steps inside one run; the condition carries the gate across runs. It asks
# that no blocking check failed, rather than that all passed: a check with no result (a metric not measured, and
# not required) does not hold the release back, as it does not inside the run.
RELEASE_WHEN_CHECKS_PASS = (
    dg.AutomationCondition.eager().without(dg.AutomationCondition.in_latest_time_window())
    & dg.AutomationCondition.all_deps_match(
        ~dg.AutomationCondition.any_checks_match(dg.AutomationCondition.check_failed(), blocking_only=True)
    )
).with_label("eager, no blocking check failed")


@dg.asset(
    partitions_def=source_month_partitions,
    deps=[quality_scores, figure_ownership],
    group_name=groups.RELEASE,
    kinds={"webdataset", "parquet"},
    owners=OWNERS,
    automation_condition=RELEASE_WHEN_CHECKS_PASS,
)
def release_shards(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """The partition's figures that passed every filter and that no earlier partition holds (`figure_ownership`),
    as WebDataset tar shards with JSONL and Parquet metadata (S1-MMAlign fields `image_path`, `caption`,
    `recaption`, `title`, `categories` plus ours) and a sha256 manifest that `s1mm verify` checks; the manifest
    records the ownership inputs the release was decided against. One row per shard in the `releases` table.
    """
    source, month = source_and_month(context)
    opened = lake.open()
    return materialize_result(publish_release(opened, source, month), opened)
