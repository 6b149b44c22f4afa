"""Each stage replaces its own slice of the quarantine table, so re-running a stage never duplicates records."""

from __future__ import annotations

from collections.abc import Sequence

from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.quarantine import QuarantineRecord


def write_quarantine(lake: Lake, stage: str, source: str, month: str, records: Sequence[QuarantineRecord]) -> str:
    rows = [record.row(source, month) for record in records]
    return lake.write_table("quarantine", source, month, rows, stage=stage)
