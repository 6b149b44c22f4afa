"""The top-level dataset card (`releases/README.md`): every released partition with a link to its own card, and the
dataset report's tables and charts. Hugging Face front matter on top, like each release's card.

A pure function of the report (no dates, sorted rows): an unchanged lake gives the same card, byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyarrow as pa

from s1mm_assets.lib.release.card import hub_license, markdown_table, size_category
from s1mm_assets.lib.report.tables import S1MMALIGN_REFERENCE

# Report columns shown in the card and the UI, with headings a reader understands.
COVERAGE_COLUMNS = {
    "source": "source",
    "month": "month",
    "papers": "papers",
    "figures": "figures",
    "released": "released",
    "held_back": "held back",
    "quarantined": "quarantined",
    "gate": "release gate",
}
LENGTH_COLUMNS = {"scope": "", "caption": "caption", "captions": "captions", "mean": "mean", "std": "std"}
CLIP_COLUMNS = {
    "discipline": "discipline",
    "released": "released",
    "clip_measured": "CLIP measured",
    "clip_raw_mean": "raw",
    "clip_enhanced_mean": "enhanced",
    "clip_delta_mean": "delta",
    "not_measured": "not measured because",
}
GROUNDING_COLUMNS = {
    "source": "source",
    "captions_checked": "captions checked",
    "grounding_mean": "mean grounding",
    "grounding_p10": "10th percentile",
    "held_back_ungrounded": "held back as ungrounded",
    "captions_with_invented_numbers": "with invented numbers",
}


def rows_markdown(table: pa.Table, columns: Mapping[str, str], empty: str = "none") -> str:
    """A report table as a markdown table of the given columns (name -> heading)."""
    if not table.num_rows:
        return empty
    rows = [[_cell(row[name]) for name in columns] for row in table.to_pylist()]
    return "\n".join(markdown_table(list(columns.values()), rows))


def clip_markdown(table: pa.Table) -> str:
    """CLIP by discipline; one sentence instead of a column of the same reason when no discipline was measured."""
    rows = table.to_pylist()
    if rows and not any(row["clip_measured"] for row in rows):
        reasons = "; ".join(sorted({row["not_measured"] or "not measured" for row in rows}))
        released = sum(row["released"] for row in rows)
        return f"{reasons} ({released} released figures in {len(rows)} disciplines)"
    return rows_markdown(table, CLIP_COLUMNS)


def dataset_card(
    tables: Mapping[str, pa.Table],
    releases: Sequence[Mapping],
    charts: Mapping[str, str],
    not_drawn: Mapping[str, str],
) -> str:
    """`releases`: one row per released partition (source, month, n_samples, shards, manifest_sha256); `charts`:
    title -> path relative to the card; `not_drawn`: title -> why the chart is missing."""
    released = sum(int(row["n_samples"]) for row in releases)
    coverage = tables["report_coverage"].to_pylist()
    licences = sorted(
        {hub_license(row["license_id"]) for row in tables["report_licences"].to_pylist() if row["released"]}
    )
    lines = [
        "---",
        "license:" if licences else "license: other",
        *(f"- {licence}" for licence in licences),
        "task_categories:",
        "- image-to-text",
        "pretty_name: s1mm figure-text pairs",
        f"size_categories: {size_category(released)}",
        "---",
        "",
        "# s1mm: scientific figure-text pairs",
        "",
        f"{released} figure-text pairs in {len(releases)} released partitions (source x month), made in the manner of "
        "S1-MMAlign from "
        f"{sum(row['papers'] for row in coverage)} open-access papers: {sum(row['figures'] for row in coverage)} "
        f"figures extracted, {sum(row['held_back'] for row in coverage)} held back, "
        f"{sum(row['quarantined'] for row in coverage)} items quarantined. Each partition is a release of its own "
        "(WebDataset shards, metadata, card, manifest); `manifest.json` here is the manifest of their manifests.",
        "",
        "## Released partitions",
        "",
        *_releases_table(releases),
        "",
        "## Coverage",
        "",
        rows_markdown(tables["report_coverage"], COVERAGE_COLUMNS),
        "",
        *_chart("Released figures per source and month", charts, not_drawn),
        "## Caption lengths (characters)",
        "",
        rows_markdown(tables["report_caption_lengths"], LENGTH_COLUMNS),
        "",
        f"The {S1MMALIGN_REFERENCE} rows are the figures the S1-MMAlign paper reports for its 15.5 M pairs.",
        "",
        *_chart("Caption lengths, raw vs enhanced", charts, not_drawn),
        "## CLIP score by discipline (100 x cosine)",
        "",
        clip_markdown(tables["report_clip_by_discipline"]),
        "",
        *_chart("CLIP delta distribution", charts, not_drawn),
        "## Grounding of the enhanced captions",
        "",
        rows_markdown(tables["report_grounding"], GROUNDING_COLUMNS),
        "",
        "## Figure types",
        "",
        rows_markdown(
            tables["report_figure_types"], {"figure_type": "type", "scored": "scored", "released": "released"}
        ),
        "",
        "## Licences",
        "",
        rows_markdown(tables["report_licences"], {"license_id": "licence", "scored": "scored", "released": "released"}),
        "",
        "## Held back (figures, by reason)",
        "",
        rows_markdown(
            tables["report_held_back"], {"reason": "reason", "figures": "figures", "partitions": "partitions"}
        ),
        "",
        "## Quarantined (items no stage could process, by reason)",
        "",
        rows_markdown(
            tables["report_quarantine"],
            {"stage": "stage", "reason": "reason", "items": "items", "papers": "papers", "partitions": "partitions"},
        ),
        "",
        "## Verifying",
        "",
        "`s1mm verify <this folder>` checks this card, the charts and every release's `manifest.json` against "
        "`manifest.json`, then every release against its own manifest.",
        "",
    ]
    return "\n".join(lines)


def _releases_table(releases: Sequence[Mapping]) -> list[str]:
    if not releases:
        return ["No partition has been released yet."]
    rows = [
        [
            f"[{row['source']}/{row['month']}]({row['source']}/{row['month']}/README.md)",
            str(row["n_samples"]),
            str(row["shards"]),
            f"`{row['manifest_sha256'][:16]}`",
        ]
        for row in releases
    ]
    return markdown_table(["release", "samples", "shards", "manifest sha256 (first 16)"], rows)


def _chart(title: str, charts: Mapping[str, str], not_drawn: Mapping[str, str]) -> list[str]:
    if title in charts:
        return [f"![{title}]({charts[title]})", ""]
    return [f"_{title}: not drawn, {not_drawn.get(title, 'no data')}._", ""]


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 10 else f"{value:.0f}"
    return str(value).replace("|", "\\|")
