"""What a stage tells its caller about the partition it just wrote."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass
class StageReport:
    rows: int
    quarantined: int = 0
    failed: int = 0
    # What `failed` counts, as a reader should see it named ("held back", "duplicates", ...).
    failed_label: str = "failed"
    # Numbers worth charting over time (the UI plots numeric metadata of every materialization), and short texts
    # a reader must see beside them (what was not measured).
    metrics: dict[str, float | int | str | None] = dataclasses.field(default_factory=dict)
    # A few (heading, text) pairs that show a reader what the partition holds.
    preview: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    # Lake-relative paths of what was written.
    outputs: list[str] = dataclasses.field(default_factory=list)
    # The release gate's verdicts by check name (lib/score/gate.py GateVerdict), for the stage that evaluates it.
    verdicts: dict[str, object] = dataclasses.field(default_factory=dict)
    # Markdown tables a reader should see with the materialization, by title.
    tables: dict[str, str] = dataclasses.field(default_factory=dict)
    # A digest of what the partition now holds, where later stages' staleness should follow content, not runs.
    data_version: str | None = None

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
