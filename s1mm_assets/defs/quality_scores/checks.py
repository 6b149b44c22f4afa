"""The release gate as checks of `quality_scores`: declared here, evaluated inside the asset's step.

The rules are lib/score/gate.py's; the quality step evaluates them on the rows it has just written, records the
verdicts in the lake (`checks`) and yields them as the results of these checks, so a failure stops the release in
the same run and, through `release_shards`' automation condition, in later runs. Evaluating them in the asset's
own step spares a process per check per partition (BENCHMARKS.md, "Run overhead").

A rule that could not look (CLIP scores without a CLIP model) yields no result: the check shows as not evaluated
for the partition, never as passed, and the materialization's metadata says what was not measured. Where the
settings require the measurement (`S1MM_REQUIRE_CLIP`), not measuring fails the check instead.
"""

import dagster as dg

from s1mm_assets.defs.partitions import source_month_partitions
from s1mm_assets.lib.score import gate

QUALITY_SCORES = dg.AssetKey("quality_scores")

_DESCRIPTIONS = {
    gate.CAPTION_FAILURE_RATE_IS_LOW: "At most `max_caption_failure_rate` of the figures lack a usable enhanced "
    "caption.",
    gate.IMAGES_DECODE: "Every stored figure image decodes: a corrupt blob store must never reach a release.",
    gate.CAPTIONS_ARE_NOT_EMPTY: "No figure has an empty author caption, and no enhanced caption marked ok is empty.",
    gate.CLIP_ALIGNMENT_IMPROVES: "Mean CLIP delta (enhanced - raw) above `min_clip_delta`. Not evaluated when no "
    "CLIP model is configured (not measured), unless `require_clip` is set, which then fails it.",
    gate.ENHANCED_LENGTH_IN_RANGE: "Mean enhanced caption length between `min_mean_enhanced_chars` and "
    "`max_mean_enhanced_chars`.",
    gate.CAPTIONS_ARE_GROUNDED: "Mean grounding of enhanced captions in their sources at least `min_mean_grounding`.",
}

QUALITY_CHECK_SPECS = [
    dg.AssetCheckSpec(
        name, asset=QUALITY_SCORES, blocking=True, description=description, partitions_def=source_month_partitions
    )
    for name, description in _DESCRIPTIONS.items()
]


def check_results(verdicts: dict[str, gate.GateVerdict], selected: set[str]) -> list[dg.AssetCheckResult]:
    """The results of the selected checks; a rule that measured nothing and blocks nothing has none."""
    return [
        dg.AssetCheckResult(
            check_name=name,
            asset_key=QUALITY_SCORES,
            passed=verdict.passed,
            severity=dg.AssetCheckSeverity.ERROR,
            description=verdict.summary,
            metadata={"measured": verdict.measured, **verdict.facts},
        )
        for name, verdict in verdicts.items()
        if name in selected and (verdict.measured or verdict.blocks)
    ]
