"""After the partitions: the dataset report, about every partition at once.

Writes the report tables (`report/<table>.parquet`, views `report_*` in SQL), the charts, the top-level dataset card
that indexes every released partition, and the manifest of manifests (lib/release/dataset.py) that `s1mm verify`
checks. Everything is computed with SQL over the lake's views, so it scales with the lake rather than memory.
"""

from __future__ import annotations

from s1mm_assets.lib import database
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.release.dataset import CARD, CHARTS, dataset_manifest
from s1mm_assets.lib.release.manifest import MANIFEST_NAME
from s1mm_assets.lib.report import charts as draw
from s1mm_assets.lib.report.card import COVERAGE_COLUMNS, LENGTH_COLUMNS, clip_markdown, dataset_card, rows_markdown
from s1mm_assets.lib.report.tables import (
    S1MMALIGN_ENHANCED_CHARS,
    S1MMALIGN_RAW_CHARS,
    histogram,
    report_tables,
)
from s1mm_assets.lib.sources import SOURCES
from s1mm_assets.lib.stages.report import StageReport

RELEASES = "releases"
# chart title -> file name under releases/charts/
CHART_FILES = {
    "Released figures per source and month": "coverage.png",
    "Caption lengths, raw vs enhanced": "caption_lengths.png",
    "CLIP delta distribution": "clip_delta.png",
}


def build_dataset_report(lake: Lake) -> StageReport:
    connection = database.connect(lake)
    try:
        tables = report_tables(connection)
        images, not_drawn = _charts(connection, tables)
        releases = [
            dict(zip(("source", "month", "n_samples", "shards", "manifest_sha256"), row, strict=True))
            for row in connection.execute(
                "select source, month, sum(n_samples)::bigint, count(*), any_value(manifest_sha256) from releases "
                "group by all order by source, month"
            ).fetchall()
        ]
    finally:
        connection.close()

    outputs = [lake.write_report_table(name, table) for name, table in tables.items()]
    top_files: dict[str, bytes] = {}
    chart_links = {}
    for title, file_name in CHART_FILES.items():
        relative = f"{CHARTS}/{file_name}"
        if title in images:
            top_files[relative] = images[title]
            chart_links[title] = relative
        elif lake.fs.exists(lake.path(f"{RELEASES}/{relative}")):
            lake.fs.rm_file(lake.path(f"{RELEASES}/{relative}"))  # a chart of an earlier report, no longer true
    top_files[CARD] = dataset_card(tables, releases, chart_links, not_drawn).encode()
    for name, data in top_files.items():
        lake.write_bytes(f"{RELEASES}/{name}", data)
    # the manifest last: a reader who finds it finds everything it lists
    release_index = {
        f"{row['source']}/{row['month']}": {
            "manifest_sha256": row["manifest_sha256"],
            "n_samples": row["n_samples"],
            "shards": row["shards"],
        }
        for row in releases
    }
    lake.write_bytes(f"{RELEASES}/{MANIFEST_NAME}", dataset_manifest(release_index, top_files))

    coverage = tables["report_coverage"].to_pylist()
    released = sum(row["n_samples"] for row in releases)
    report = StageReport(rows=released)
    report.quarantined = sum(row["quarantined"] for row in coverage)
    report.failed = sum(row["held_back"] for row in coverage)
    report.failed_label = "held back"
    report.metrics = {
        "partitions": len(coverage),
        "released_partitions": len(releases),
        "papers": sum(row["papers"] for row in coverage),
        "figures": sum(row["figures"] for row in coverage),
        **_length_metrics(tables),
        **_clip_metrics(tables),
    }
    report.tables = {
        "coverage": rows_markdown(tables["report_coverage"], COVERAGE_COLUMNS),
        "caption lengths": rows_markdown(tables["report_caption_lengths"], LENGTH_COLUMNS),
        "CLIP by discipline": clip_markdown(tables["report_clip_by_discipline"]),
        "held back reasons": rows_markdown(tables["report_held_back"], {"reason": "reason", "figures": "figures"}),
        "quarantine reasons": rows_markdown(
            tables["report_quarantine"], {"stage": "stage", "reason": "reason", "items": "items"}
        ),
    }
    report.outputs = [
        *(f"{RELEASES}/{name}" for name in sorted(top_files) if name.startswith(CHARTS)),
        f"{RELEASES}/{CARD}",
        f"{RELEASES}/{MANIFEST_NAME}",
        *outputs,
    ]
    report.metrics |= {f"chart: {title}": f"not drawn: {reason}" for title, reason in not_drawn.items()}
    return report


def _charts(connection, tables) -> tuple[dict[str, bytes], dict[str, str]]:
    """PNG bytes by chart title, and why each chart that could not be drawn was not."""
    images, not_drawn = {}, {}
    coverage = tables["report_coverage"].to_pylist()
    if coverage:
        sources = [source for source in SOURCES if any(row["source"] == source for row in coverage)]
        sources += sorted({row["source"] for row in coverage} - set(sources))
        months = sorted({row["month"] for row in coverage})
        counts = {(row["source"], row["month"]): row["released"] for row in coverage}
        images["Released figures per source and month"] = draw.coverage_heatmap(sources, months, counts)
    else:
        not_drawn["Released figures per source and month"] = "no partition has been materialized"

    lengths = histogram(
        connection,
        "select 'raw' as series, raw_chars as value from released_figures "
        "union all select 'enhanced' as series, enhanced_chars as value from released_figures",
    )
    if lengths:
        edges, counts = lengths
        lengths_table = tables["report_caption_lengths"].to_pylist()
        means = {row["caption"]: row["mean"] for row in lengths_table if row["scope"] == "released"}
        reference = {"raw": S1MMALIGN_RAW_CHARS[0], "enhanced": S1MMALIGN_ENHANCED_CHARS[0]}
        images["Caption lengths, raw vs enhanced"] = draw.caption_length_histogram(edges, counts, means, reference)
    else:
        not_drawn["Caption lengths, raw vs enhanced"] = "nothing released yet"

    deltas = histogram(connection, "select 'delta' as series, clip_delta as value from released_figures")
    if deltas:
        edges, counts = deltas
        mean = connection.execute("select avg(clip_delta) from released_figures").fetchone()[0]
        images["CLIP delta distribution"] = draw.clip_delta_histogram(edges, counts["delta"], mean)
    else:
        reasons = sorted({row["not_measured"] for row in tables["report_clip_by_discipline"].to_pylist()} - {None})
        not_drawn["CLIP delta distribution"] = "; ".join(reasons) or "nothing released yet"
    return images, not_drawn


def _length_metrics(tables) -> dict[str, float | None]:
    metrics = {}
    for row in tables["report_caption_lengths"].to_pylist():
        if row["scope"] == "released":
            metrics[f"{row['caption']}_chars_mean"] = row["mean"]
            metrics[f"{row['caption']}_chars_std"] = row["std"]
    return metrics


def _clip_metrics(tables) -> dict[str, float | str | None]:
    rows = tables["report_clip_by_discipline"].to_pylist()
    measured = sum(row["clip_measured"] for row in rows)
    if not measured:
        reasons = sorted({row["not_measured"] for row in rows} - {None})
        return {"clip_measured": "; ".join(reasons) or "nothing released yet"}
    delta = sum(row["clip_delta_mean"] * row["clip_measured"] for row in rows if row["clip_measured"]) / measured
    return {"clip_measured": f"{measured} released figures", "clip_delta_mean": delta}
