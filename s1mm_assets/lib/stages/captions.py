"""Stage 4: an enhanced caption for every figure, from the configured captioning backend."""

from __future__ import annotations

import statistics
from collections import Counter

from s1mm_assets.lib.caption import STATUSES, CaptionBackend, CaptionRequest
from s1mm_assets.lib.context import FigureContext
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.stages.report import StageReport


def caption_requests(lake: Lake, source: str, month: str) -> list[CaptionRequest]:
    figures = {row["figure_id"]: row for row in lake.read_table("figures", source, month).to_pylist()}
    requests = []
    for context in lake.read_table("contexts", source, month).to_pylist():
        figure = figures[context["figure_id"]]
        requests.append(
            CaptionRequest(
                figure_id=figure["figure_id"],
                paper_id=figure["paper_id"],
                raw_caption=figure["raw_caption"] or "",
                context=FigureContext(
                    context["title"] or "", context["abstract"] or "", tuple(context["citing_sentences"] or ())
                ),
                image_path=figure["image_path"],
                image_sha256=figure["image_sha256"],
            )
        )
    return requests


def enhance_captions(lake: Lake, source: str, month: str, backend: CaptionBackend) -> StageReport:
    requests = caption_requests(lake, source, month)
    results = backend.caption(requests)
    if len(results) != len(requests):
        raise RuntimeError(f"backend {backend.name} returned {len(results)} results for {len(requests)} requests")
    rows = []
    for request, result in zip(requests, results, strict=True):
        rows.append(
            {
                "figure_id": request.figure_id,
                "paper_id": request.paper_id,
                "source": source,
                "month": month,
                "enhanced_caption": result.enhanced_caption,
                "backend": result.backend,
                "model": result.model,
                "prompt_version": result.prompt_version,
                "prompt_tokens": result.prompt_tokens,
                "completion_tokens": result.completion_tokens,
                "latency_s": result.latency_s,
                "status": result.status,
                "error": result.error,
            }
        )
    statuses = Counter(row["status"] for row in rows)
    report = StageReport(rows=len(rows), failed=len(rows) - statuses["ok"])
    report.outputs = [lake.write_table("captions", source, month, rows)]
    report.metrics = {f"status_{status}": statuses[status] for status in STATUSES}
    lengths = [len(row["enhanced_caption"] or "") for row in rows if row["status"] == "ok"]
    report.metrics["enhanced_chars_median"] = statistics.median(lengths) if lengths else None
    report.preview = [
        (f"{request.paper_id} ({row['backend']})", row["enhanced_caption"] or f"[{row['status']}] {row['error']}")
        for request, row in zip(requests[:3], rows[:3], strict=True)
    ]
    return report
