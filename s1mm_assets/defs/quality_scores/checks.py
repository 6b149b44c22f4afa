"""Blocking, partitioned checks on `quality_scores`: a failure keeps the partition out of `release_shards`."""

import dagster as dg

from s1mm_assets.defs.partitions import source_and_month, source_month_partitions
from s1mm_assets.defs.quality_scores.assets import quality_scores
from s1mm_assets.defs.resources import LakeResource, QualityGateResource
from s1mm_assets.lib.score import gate

CAPTION_FAILURE_RATE_IS_LOW = "caption_failure_rate_is_low"
IMAGES_DECODE = "images_decode"
CAPTIONS_ARE_NOT_EMPTY = "captions_are_not_empty"
CLIP_ALIGNMENT_IMPROVES = "clip_alignment_improves"
ENHANCED_LENGTH_IN_RANGE = "enhanced_length_in_range"
CAPTIONS_ARE_GROUNDED = "captions_are_grounded"


def _result(verdict: gate.GateVerdict) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=verdict.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=verdict.summary,
        metadata={name: value for name, value in verdict.facts.items()},
    )


def _quality_rows(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> list[dict]:
    source, month = source_and_month(context)
    return lake.open().read_table("quality", source, month).to_pylist()


@dg.asset_check(
    asset=quality_scores, name=CAPTION_FAILURE_RATE_IS_LOW, blocking=True, partitions_def=source_month_partitions
)
def caption_failure_rate_is_low(
    context: dg.AssetCheckExecutionContext, lake: LakeResource, quality_gate: QualityGateResource
) -> dg.AssetCheckResult:
    """At most `max_caption_failure_rate` of the figures may lack a usable enhanced caption."""
    return _result(gate.caption_failure_rate(_quality_rows(context, lake), quality_gate.max_caption_failure_rate))


@dg.asset_check(asset=quality_scores, name=IMAGES_DECODE, blocking=True, partitions_def=source_month_partitions)
def images_decode(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    """Every stored figure image decodes: a corrupt blob store must never reach a release."""
    return _result(gate.images_decode(_quality_rows(context, lake)))


@dg.asset_check(
    asset=quality_scores, name=CAPTIONS_ARE_NOT_EMPTY, blocking=True, partitions_def=source_month_partitions
)
def captions_are_not_empty(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    """No figure has an empty author caption, and no enhanced caption marked ok is empty."""
    return _result(gate.no_empty_captions(_quality_rows(context, lake)))


@dg.asset_check(
    asset=quality_scores, name=CLIP_ALIGNMENT_IMPROVES, blocking=True, partitions_def=source_month_partitions
)
def clip_alignment_improves(
    context: dg.AssetCheckExecutionContext, lake: LakeResource, quality_gate: QualityGateResource
) -> dg.AssetCheckResult:
    """Mean CLIP delta (enhanced - raw) above `min_clip_delta`. Without a CLIP model it says so, and fails only
    when `require_clip` is set."""
    return _result(
        gate.clip_alignment_improves(
            _quality_rows(context, lake), quality_gate.min_clip_delta, quality_gate.require_clip
        )
    )


@dg.asset_check(
    asset=quality_scores, name=ENHANCED_LENGTH_IN_RANGE, blocking=True, partitions_def=source_month_partitions
)
def enhanced_length_in_range(
    context: dg.AssetCheckExecutionContext, lake: LakeResource, quality_gate: QualityGateResource
) -> dg.AssetCheckResult:
    """Mean enhanced caption length between `min_mean_enhanced_chars` and `max_mean_enhanced_chars`."""
    return _result(
        gate.enhanced_length_in_range(
            _quality_rows(context, lake), quality_gate.min_mean_enhanced_chars, quality_gate.max_mean_enhanced_chars
        )
    )


@dg.asset_check(asset=quality_scores, name=CAPTIONS_ARE_GROUNDED, blocking=True, partitions_def=source_month_partitions)
def captions_are_grounded(
    context: dg.AssetCheckExecutionContext, lake: LakeResource, quality_gate: QualityGateResource
) -> dg.AssetCheckResult:
    """Mean grounding of enhanced captions in their sources at least `min_mean_grounding`."""
    return _result(gate.captions_are_grounded(_quality_rows(context, lake), quality_gate.min_mean_grounding))


quality_checks = [
    caption_failure_rate_is_low,
    images_decode,
    captions_are_not_empty,
    clip_alignment_improves,
    enhanced_length_in_range,
    captions_are_grounded,
]
