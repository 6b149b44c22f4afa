import dagster as dg

from s1mm_assets.defs.cluster import scoring_step_tags
from s1mm_assets.defs.enhanced_captions.assets import enhanced_captions
from s1mm_assets.defs.loaded_settings import LOADED_SETTINGS
from s1mm_assets.defs.partitions import source_and_month, source_month_partitions
from s1mm_assets.defs.reporting import OWNERS, materialize_result
from s1mm_assets.defs.resources import LakeResource, QualityGateResource, ScoringModelsResource
from s1mm_assets.lib.stages.quality import score_quality


@dg.asset(
    partitions_def=source_month_partitions,
    deps=[enhanced_captions],
    group_name="quality",
    kinds={"python", "parquet", "pytorch"},
    owners=OWNERS,
    op_tags=scoring_step_tags(LOADED_SETTINGS.scoring),  # a GPU pod where the scoring models run on CUDA
)
def quality_scores(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    quality_gate: QualityGateResource,
    scoring_models: ScoringModelsResource,
) -> dg.MaterializeResult:
    """Per-figure quality: CLIP scores of raw and enhanced captions (long captions in sentence chunks, plus the
    truncated score), masked-LM pseudo-perplexity, caption lengths, grounding of the enhanced caption in the
    paper, exact and near duplicates (within the partition and against earlier releases), figure type,
    licence, image integrity, and a release verdict with reasons. Metrics whose model is not configured are
    null with the reason.

    Partition statistics (mean, std and coefficient of variation of lengths, CLIP means and delta, median
    pseudo-perplexity, mean grounding, held-back counts by reason) are charted over time. The blocking checks
    on this asset decide whether the partition may be released.
    """
    source, month = source_and_month(context)
    opened = lake.open()
    report = score_quality(opened, source, month, quality_gate.settings(), scoring_models.models())
    return materialize_result(report, opened)
