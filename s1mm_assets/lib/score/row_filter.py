"""Which figures may go into a release, and why the others may not."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class RowPolicy:
    min_enhanced_chars: int = 20


def rejection_reasons(
    *,
    caption_status: str | None,
    enhanced_caption: str | None,
    raw_caption: str | None,
    image_decodable: bool,
    policy: RowPolicy,
) -> list[str]:
    reasons = []
    if caption_status != "ok":
        reasons.append(f"caption_{caption_status or 'missing'}")
    if not (raw_caption or "").strip():
        reasons.append("empty_raw_caption")
    if len((enhanced_caption or "").strip()) < policy.min_enhanced_chars:
        reasons.append("enhanced_caption_too_short")
    if not image_decodable:
        reasons.append("image_undecodable")
    return reasons
