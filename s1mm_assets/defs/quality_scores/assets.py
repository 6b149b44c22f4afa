from collections.abc import Iterator

import dagster as dg

from s1mm_assets.defs import groups
from s1mm_assets.defs.cluster import scoring_step_tags
from s1mm_assets.defs.enhanced_captions.assets import enhanced_captions
from s1mm_assets.defs.kinds import scoring_kinds
from s1mm_assets.defs.loaded_settings import LOADED_SETTINGS
from s1mm_assets.defs.partitions import source_and_month, source_month_partitions
from s1mm_assets.defs.quality_scores.checks import QUALITY_CHECK_SPECS, QUALITY_SCORES, check_results
from s1mm_assets.defs.reporting import OWNERS, materialize_result
from s1mm_assets.defs.resources import LakeResource, QualityGateResource, ScoringModelsResource
from s1mm_assets.lib.score import gate
from s1mm_assets.lib.stages.quality import score_quality

_DESCRIPTION = """Per-figure quality: CLIP scores of raw and enhanced captions (long captions in sentence chunks, plus
the truncated score), masked-LM pseudo-perplexity, caption lengths, grounding of the enhanced caption in the paper,
image hashes for duplicate detection, figure type, licence, image integrity, and a per-figure verdict with reasons.
Metrics whose model is not configured are null with the reason, and the metadata says they were not measured.

Partition statistics (mean, std and coefficient of variation of lengths, CLIP means and delta, median
pseudo-perplexity, mean grounding, held-back counts by reason) are charted over time. The release gate's checks are
evaluated in this step and decide whether the partition may be released."""


@dg.multi_asset(
    name="quality_scores",
    specs=[
        dg.AssetSpec(
            QUALITY_SCORES,
            deps=[enhanced_captions],
            group_name=groups.QUALITY,
            kinds=scoring_kinds(LOADED_SETTINGS.scoring),  # pytorch only where a scoring model is configured
            owners=OWNERS,
            description=_DESCRIPTION,
        )
    ],
    partitions_def=source_month_partitions,
    check_specs=QUALITY_CHECK_SPECS,
    # a check may go without a result (a metric not measured); the checks can also run on their own
    can_subset=True,
    op_tags=scoring_step_tags(LOADED_SETTINGS.scoring),  # a GPU pod where the scoring models run on CUDA
)
def quality_scores(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    quality_gate: QualityGateResource,
    scoring_models: ScoringModelsResource,
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    source, month = source_and_month(context)
    opened = lake.open()
    selected = {key.name for key in context.selected_asset_check_keys}
    if QUALITY_SCORES in context.selected_asset_keys:
        report = score_quality(opened, source, month, quality_gate.settings(), scoring_models.models())
        yield materialize_result(report, opened, check_results(report.verdicts, selected))
        return
    # the checks alone, on the rows the last materialization wrote
    rows = opened.read_table("quality", source, month).to_pylist()
    yield from check_results(gate.evaluate(rows, quality_gate.settings()), selected)
