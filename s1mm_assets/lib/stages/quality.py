"""Stage 5: per-figure quality measurements and the per-row verdict on whether it may be released."""

from __future__ import annotations

from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.score.row_filter import RowPolicy, rejection_reasons
from s1mm_assets.lib.score.text import image_decodes, length_summary, word_count
from s1mm_assets.lib.stages.report import StageReport


def score_quality(lake: Lake, source: str, month: str, policy: RowPolicy | None = None) -> StageReport:
    policy = policy or RowPolicy()
    figures = lake.read_table("figures", source, month).to_pylist()
    captions = {row["figure_id"]: row for row in lake.read_table("captions", source, month).to_pylist()}
    rows = []
    for figure in figures:
        caption = captions.get(figure["figure_id"], {})
        enhanced = caption.get("enhanced_caption") or ""
        raw = figure["raw_caption"] or ""
        decodable = image_decodes(lake.read_bytes(figure["image_path"]))
        reasons = rejection_reasons(
            caption_status=caption.get("status"),
            enhanced_caption=enhanced,
            raw_caption=raw,
            image_decodable=decodable,
            policy=policy,
        )
        rows.append(
            {
                "figure_id": figure["figure_id"],
                "paper_id": figure["paper_id"],
                "source": source,
                "month": month,
                "raw_chars": len(raw),
                "enhanced_chars": len(enhanced),
                "raw_words": word_count(raw),
                "enhanced_words": word_count(enhanced),
                "image_decodable": decodable,
                "caption_status": caption.get("status"),
                "passed": not reasons,
                "reasons": reasons,
            }
        )
    report = StageReport(rows=len(rows), failed=sum(not row["passed"] for row in rows))
    report.outputs = [lake.write_table("quality", source, month, rows)]
    raw_lengths = length_summary([row["raw_chars"] for row in rows])
    enhanced_lengths = length_summary([row["enhanced_chars"] for row in rows if row["caption_status"] == "ok"])
    report.metrics = {
        "passed": sum(row["passed"] for row in rows),
        "pass_rate": sum(row["passed"] for row in rows) / len(rows) if rows else None,
        **{f"raw_chars_{name}": value for name, value in raw_lengths.items()},
        **{f"enhanced_chars_{name}": value for name, value in enhanced_lengths.items()},
    }
    report.preview = [
        (
            f"{row['figure_id']} {'passed' if row['passed'] else 'held back'}",
            ", ".join(row["reasons"]) or f"{row['raw_chars']} -> {row['enhanced_chars']} characters",
        )
        for row in rows[:5]
    ]
    return report
