import dagster as dg

from s1mm_assets.defs.enhanced_captions.assets import enhanced_captions
from s1mm_assets.defs.partitions import source_and_month, source_month_partitions
from s1mm_assets.defs.reporting import OWNERS, materialize_result
from s1mm_assets.defs.resources import LakeResource, QualityGateResource
from s1mm_assets.lib.stages.quality import score_quality


@dg.asset(
    partitions_def=source_month_partitions,
    deps=[enhanced_captions],
    group_name="quality",
    kinds={"python", "parquet"},
    owners=OWNERS,
)
def quality_scores(
    context: dg.AssetExecutionContext, lake: LakeResource, quality_gate: QualityGateResource
) -> dg.MaterializeResult:
    """Per-figure quality: caption lengths raw vs enhanced, image integrity, and a release verdict with reasons.

    Partition statistics (mean, std and coefficient of variation of caption lengths, pass rate) are charted
    over time. The blocking checks on this asset decide whether the partition may be released.
    """
    source, month = source_and_month(context)
    opened = lake.open()
    return materialize_result(score_quality(opened, source, month, quality_gate.row_policy()), opened)
