"""Partition-level release gate: each rule looks at a partition's quality rows and says pass or fail, and why.

The Dagster asset checks are thin wrappers around these, so the same verdicts can be computed anywhere.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence


@dataclasses.dataclass(frozen=True)
class GateVerdict:
    passed: bool
    summary: str
    facts: dict[str, float | int]


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
