"""Stage 4: an enhanced caption for every figure, from the configured captioning backend.

Figures go to the backend in paper order (figures of one paper together, so a model server shares their
prompt prefix). For model backends, answers already in the caption cache are not asked again, figures with
identical inputs are asked once, and new answers are checkpointed to the cache every `checkpoint_every`
results, so a crash or a killed server costs at most one batch. Every figure gets a record whatever happens:
a caption, or a status and the reason.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
import time
from collections import Counter

from s1mm_assets.lib.caption import STATUSES, CaptionBackend, CaptionRequest, CaptionResult
from s1mm_assets.lib.caption.cache import CacheKey, CaptionCache, cache_key, result_from_row
from s1mm_assets.lib.context import FigureContext
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.settings import CaptionerSettings
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
                figure_number=figure["number"],
            )
        )
    # Stable paper order (figures keep their order inside a paper): one paper's prompts share a prefix.
    order = {paper_id: index for index, paper_id in enumerate(dict.fromkeys(r.paper_id for r in requests))}
    return sorted(requests, key=lambda request: order[request.paper_id])


def enhance_captions(
    lake: Lake,
    source: str,
    month: str,
    backend: CaptionBackend,
    checkpoint_every: int = CaptionerSettings().caption_checkpoint_every,
) -> StageReport:
    requests = caption_requests(lake, source, month)
    cache = CaptionCache(lake, source, month) if backend.cacheable else None
    keys = {request.figure_id: cache_key(request, backend) for request in requests} if cache else {}
    cached = cache.load() if cache else {}

    # One request per distinct input not answered before.
    to_ask: dict[str, CaptionRequest] = {}
    from_cache = 0
    for request in requests:
        identity = keys[request.figure_id].digest if cache else request.figure_id
        if identity in cached:
            from_cache += 1
        elif identity not in to_ask:
            to_ask[identity] = request

    started = time.monotonic()
    fresh: dict[str, CaptionResult] = {}
    checkpoint: list[tuple[CacheKey, CaptionResult]] = []
    for result in backend.caption_stream(list(to_ask.values()), lake.read_bytes):
        key = keys.get(result.figure_id)
        fresh[key.digest if key else result.figure_id] = result
        if cache and key and result.answered:
            checkpoint.append((key, result))
            if len(checkpoint) >= checkpoint_every:
                cache.append(checkpoint)
                checkpoint = []
    if cache:
        cache.append(checkpoint)
    elapsed = time.monotonic() - started

    results = []
    for request in requests:
        identity = keys[request.figure_id].digest if cache else request.figure_id
        if identity in fresh:
            results.append(_as_result_for(fresh[identity], request.figure_id))
        elif identity in cached:
            results.append(result_from_row(cached[identity], request.figure_id))
        else:  # a backend that skipped a request must not cost the figure its record
            results.append(backend.failure(request, "the backend returned no result for this figure"))

    rows = [_row(request, result, source, month) for request, result in zip(requests, results, strict=True)]
    output = lake.write_table("captions", source, month, rows)
    if cache:
        cache.compact()
    return _report(requests, rows, fresh, from_cache, elapsed, output)


def _as_result_for(result: CaptionResult, figure_id: str) -> CaptionResult:
    return result if result.figure_id == figure_id else dataclasses.replace(result, figure_id=figure_id)


def _row(request: CaptionRequest, result: CaptionResult, source: str, month: str) -> dict:
    return {
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
        "finish_reason": result.finish_reason,
        "attempts": result.attempts,
    }


def _report(
    requests: list[CaptionRequest],
    rows: list[dict],
    fresh: dict[str, CaptionResult],
    from_cache: int,
    elapsed: float,
    output: str,
) -> StageReport:
    statuses = Counter(row["status"] for row in rows)
    report = StageReport(rows=len(rows), failed=len(rows) - statuses["ok"], failed_label="captions not usable")
    report.outputs = [output]
    report.metrics = {f"status_{status}": statuses[status] for status in STATUSES}
    lengths = [len(row["enhanced_caption"] or "") for row in rows if row["status"] == "ok"]
    report.metrics["enhanced_chars_median"] = statistics.median(lengths) if lengths else None

    # What this run asked a model, and how fast it answered (None where nothing was asked).
    answered = [result for result in fresh.values() if result.answered]
    latencies = sorted(result.latency_s for result in answered if result.latency_s is not None)
    completion_tokens = sum(result.completion_tokens or 0 for result in answered)
    report.metrics |= {
        "requests_sent": sum(result.attempts or 0 for result in fresh.values()),
        "figures_from_cache": from_cache,
        "captions_per_s": len(answered) / elapsed if answered and elapsed > 0 else None,
        "completion_tokens_per_s": completion_tokens / elapsed if answered and elapsed > 0 else None,
        "latency_p50_s": _percentile(latencies, 0.50),
        "latency_p95_s": _percentile(latencies, 0.95),
    }
    report.preview = [
        (f"{request.paper_id} ({row['backend']})", row["enhanced_caption"] or f"[{row['status']}] {row['error']}")
        for request, row in zip(requests[:3], rows[:3], strict=True)
    ]
    return report


def _percentile(ordered: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]
