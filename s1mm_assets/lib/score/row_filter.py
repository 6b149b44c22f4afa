"""Which figures may go into a release, and why the others may not.

A partition can pass every gate while single figures are held back; each held-back figure keeps the list of
its reasons in the `quality` table and in the release's `held_back.jsonl`.
"""

from __future__ import annotations

from s1mm_assets.lib.score.grounding import Grounding
from s1mm_assets.lib.settings import GateSettings

DUPLICATE = "duplicate"


def rejection_reasons(
    *,
    caption_status: str | None,
    enhanced_caption: str | None,
    raw_caption: str | None,
    image_decodable: bool,
    policy: GateSettings,
    grounding: Grounding | None = None,
    license_allowed: bool = True,
) -> list[str]:
    """Every reason the figure may not be released except duplication, which needs the whole partition."""
    reasons = []
    if caption_status != "ok":
        reasons.append(f"caption_{caption_status or 'missing'}")
    if not (raw_caption or "").strip():
        reasons.append("empty_raw_caption")
    if len((enhanced_caption or "").strip()) < policy.min_enhanced_chars:
        reasons.append("enhanced_caption_too_short")
    if not image_decodable:
        reasons.append("image_undecodable")
    if caption_status == "ok" and grounding is not None:
        if grounding.score is not None and grounding.score < policy.min_row_grounding:
            reasons.append("ungrounded")
        if policy.hold_back_invented_numbers and grounding.invented_numbers:
            reasons.append("invented_numbers")
    if not license_allowed:
        reasons.append("license_not_allowed")
    return reasons
