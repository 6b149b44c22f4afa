"""Quarantine records: every input a stage could not process, with the reason. Nothing is dropped silently."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class QuarantineRecord:
    stage: str
    item_id: str  # the paper, figure or file that failed, as the stage knows it
    paper_id: str
    reason: str  # a short stable code users group by, e.g. "missing_file", "tikz", "undecodable_image"
    detail: str = ""

    def row(self, source: str, month: str) -> dict:
        return {"source": source, "month": month, **dataclasses.asdict(self)}
