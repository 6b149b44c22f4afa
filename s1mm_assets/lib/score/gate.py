"""Partition-level release gate: each rule looks at a partition's quality rows and says pass or fail, and why.

The quality step evaluates every rule (`evaluate`), writes the verdicts to the lake's `checks` table and reports
them to Dagster as the results of the asset's checks, so the same verdicts are in the UI, in SQL and in what
decides which figures a partition may release.

A rule that cannot look (CLIP scores without a CLIP model) is "not measured": never reported as passed. It
fails without blocking the release unless the settings require the measurement.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence

from s1mm_assets.lib.settings import GateSettings

CAPTION_FAILURE_RATE_IS_LOW = "caption_failure_rate_is_low"
IMAGES_DECODE = "images_decode"
CAPTIONS_ARE_NOT_EMPTY = "captions_are_not_empty"
CLIP_ALIGNMENT_IMPROVES = "clip_alignment_improves"
ENHANCED_LENGTH_IN_RANGE = "enhanced_length_in_range"
CAPTIONS_ARE_GROUNDED = "captions_are_grounded"


@dataclasses.dataclass(frozen=True)
class GateVerdict:
    passed: bool
    summary: str
    facts: dict[str, float | int]
    measured: bool = True  # False: the rule had nothing to look at; `passed` is then False
    blocks: bool = True  # a failure keeps the partition out of the release

    @property
    def blocks_release(self) -> bool:
        return self.blocks and not self.passed


def evaluate(rows: Sequence[dict], settings: GateSettings) -> dict[str, GateVerdict]:
    """Every rule of the gate on a partition's quality rows, by check name."""
    return {
        CAPTION_FAILURE_RATE_IS_LOW: caption_failure_rate(rows, settings.max_caption_failure_rate),
        IMAGES_DECODE: images_decode(rows),
        CAPTIONS_ARE_NOT_EMPTY: no_empty_captions(rows),
        CLIP_ALIGNMENT_IMPROVES: clip_alignment_improves(rows, settings.min_clip_delta, settings.require_clip),
        ENHANCED_LENGTH_IN_RANGE: enhanced_length_in_range(
            rows, settings.min_mean_enhanced_chars, settings.max_mean_enhanced_chars
        ),
        CAPTIONS_ARE_GROUNDED: captions_are_grounded(rows, settings.min_mean_grounding),
    }


def caption_failure_rate(rows: Sequence[dict], max_rate: float) -> GateVerdict:
    total = len(rows)
    not_ok = sum(row["caption_status"] != "ok" for row in rows)
    rate = not_ok / total if total else 0.0
    return GateVerdict(
        passed=rate <= max_rate,
        summary=f"{not_ok} of {total} figures have no usable enhanced caption ({rate:.1%}; bound {max_rate:.1%})",
        facts={"failure_rate": rate, "failed_captions": not_ok, "figures": total, "max_failure_rate": max_rate},
    )


def images_decode(rows: Sequence[dict]) -> GateVerdict:
    broken = sum(not row["image_decodable"] for row in rows)
    return GateVerdict(
        passed=broken == 0,
        summary=f"{broken} of {len(rows)} stored figure images do not decode",
        facts={"undecodable_images": broken, "figures": len(rows)},
    )


def no_empty_captions(rows: Sequence[dict]) -> GateVerdict:
    empty_raw = sum(row["raw_chars"] == 0 for row in rows)
    empty_enhanced = sum(row["enhanced_chars"] == 0 and row["caption_status"] == "ok" for row in rows)
    return GateVerdict(
        passed=empty_raw == 0 and empty_enhanced == 0,
        summary=f"{empty_raw} empty author captions, {empty_enhanced} empty enhanced captions marked ok",
        facts={"empty_raw_captions": empty_raw, "empty_enhanced_captions": empty_enhanced},
    )


def clip_alignment_improves(rows: Sequence[dict], min_delta: float, require_clip: bool) -> GateVerdict:
    """Enhanced captions must align with their images better than the author captions, on average."""
    if not rows:
        return GateVerdict(True, "no figures in this partition", {"figures": 0})
    deltas = [row["clip_delta"] for row in rows if row.get("clip_delta") is not None]
    if not deltas:
        reasons = sorted({row.get("clip_not_measured") or "no figure has both captions scored" for row in rows})
        return GateVerdict(
            passed=False,
            summary=f"CLIP alignment {'; '.join(reasons)}; "
            + (
                "require_clip is set, so the partition may not be released"
                if require_clip
                else "not required (S1MM_REQUIRE_CLIP), so it does not block the release"
            ),
            facts={"figures": len(rows), "clip_measured": 0, "require_clip": int(require_clip)},
            measured=False,
            blocks=require_clip,
        )
    mean_delta = statistics.fmean(deltas)
    raw = [row["clip_raw"] for row in rows if row.get("clip_delta") is not None]
    enhanced = [row["clip_enhanced"] for row in rows if row.get("clip_delta") is not None]
    return GateVerdict(
        passed=mean_delta > min_delta,
        summary=f"mean CLIP delta (enhanced - raw) {mean_delta:+.2f} over {len(deltas)} figures; must exceed "
        f"{min_delta:+.2f}",
        facts={
            "clip_delta_mean": mean_delta,
            "clip_raw_mean": statistics.fmean(raw),
            "clip_enhanced_mean": statistics.fmean(enhanced),
            "clip_measured": len(deltas),
            "figures": len(rows),
            "min_clip_delta": min_delta,
        },
    )


def enhanced_length_in_range(rows: Sequence[dict], min_mean_chars: float, max_mean_chars: float) -> GateVerdict:
    """The partition's enhanced captions are, on average, neither stubs nor runaway generations."""
    lengths = [row["enhanced_chars"] for row in rows if row["caption_status"] == "ok"]
    if not lengths:
        return GateVerdict(True, "no usable enhanced caption to measure", {"captions": 0})
    mean = statistics.fmean(lengths)
    return GateVerdict(
        passed=min_mean_chars <= mean <= max_mean_chars,
        summary=f"mean enhanced caption length {mean:.0f} characters over {len(lengths)} captions; allowed "
        f"{min_mean_chars:.0f}-{max_mean_chars:.0f}",
        facts={
            "enhanced_chars_mean": mean,
            "captions": len(lengths),
            "min_mean_chars": min_mean_chars,
            "max_mean_chars": max_mean_chars,
        },
    )


def captions_are_grounded(rows: Sequence[dict], min_mean_grounding: float) -> GateVerdict:
    """On average, what enhanced captions state can be traced back to the paper."""
    scores = [row["grounding"] for row in rows if row.get("grounding") is not None]
    invented = sum(bool(row.get("invented_numbers")) for row in rows)
    if not scores:
        return GateVerdict(True, "no enhanced caption states anything checkable", {"checked_captions": 0})
    mean = statistics.fmean(scores)
    return GateVerdict(
        passed=mean >= min_mean_grounding,
        summary=f"mean grounding {mean:.2f} over {len(scores)} captions (bound {min_mean_grounding:.2f}); "
        f"{invented} captions state numbers found in no source",
        facts={
            "grounding_mean": mean,
            "checked_captions": len(scores),
            "captions_with_invented_numbers": invented,
            "min_mean_grounding": min_mean_grounding,
        },
    )
