"""What a stage tells its caller about the partition it just wrote."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass
class StageReport:
    rows: int
    quarantined: int = 0
    failed: int = 0
    # Numbers worth charting over time (the UI plots numeric metadata of every materialization).
    metrics: dict[str, float | int | None] = dataclasses.field(default_factory=dict)
    # A few (heading, text) pairs that show a reader what the partition holds.
    preview: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    # Lake-relative paths of what was written.
    outputs: list[str] = dataclasses.field(default_factory=list)

    def preview_markdown(self, max_chars: int = 400) -> str:
        if not self.preview:
            return "_nothing in this partition_"
        lines = []
        for heading, text in self.preview:
            shown = text if len(text) <= max_chars else text[: max_chars - 1] + "…"
            lines.append(f"**{_escape(heading)}**: {_escape(shown)}")
        return "\n\n".join(lines)


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")
