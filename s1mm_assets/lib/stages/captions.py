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

# What a request needs of each table: the figures' citing paragraphs, their largest column, are not read.
_FIGURE_COLUMNS = ["figure_id", "paper_id", "raw_caption", "image_path", "image_sha256", "number"]
_CONTEXT_COLUMNS = ["figure_id", "title", "abstract", "citing_sentences"]
_PREVIEW_ROWS = 3


def caption_requests(lake: Lake, source: str, month: str) -> list[CaptionRequest]:
    figures = {
        row["figure_id"]: row for batch in lake.iter_rows("figures", source, month, _FIGURE_COLUMNS) for row in batch
    }
    requests = []
    # Every figure of a paper repeats its title and abstract: one copy of each text is kept for all of them.
    texts: dict[str, str] = {}
    for context in (row for batch in lake.iter_rows("contexts", source, month, _CONTEXT_COLUMNS) for row in batch):
        figure = figures[context["figure_id"]]
        title, abstract = context["title"] or "", context["abstract"] or ""
        requests.append(
            CaptionRequest(
                figure_id=figure["figure_id"],
                paper_id=figure["paper_id"],
                raw_caption=figure["raw_caption"] or "",
                context=FigureContext(
                    texts.setdefault(title, title),
                    texts.setdefault(abstract, abstract),
                    tuple(context["citing_sentences"] or ()),
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

    statuses: Counter[str] = Counter()
    lengths: list[int] = []
    preview: list[tuple[str, str]] = []
    with lake.table_writer("captions", source, month) as caption_table:
        for request in requests:
            identity = keys[request.figure_id].digest if cache else request.figure_id
            if identity in fresh:
                result = _as_result_for(fresh[identity], request.figure_id)
            elif identity in cached:
                result = result_from_row(cached[identity], request.figure_id)
            else:  # a backend that skipped a request must not cost the figure its record
                result = backend.failure(request, "the backend returned no result for this figure")
            row = _row(request, result, source, month)
            caption_table.write([row])
            statuses[row["status"]] += 1
            if row["status"] == "ok":
                lengths.append(len(row["enhanced_caption"] or ""))
            if len(preview) < _PREVIEW_ROWS:
                text = row["enhanced_caption"] or f"[{row['status']}] {row['error']}"
                preview.append((f"{request.paper_id} ({row['backend']})", text))
    if cache:
        cache.compact()
    report = _report(statuses, lengths, fresh, from_cache, elapsed)
    report.outputs = [caption_table.relative]
    report.preview = preview
    return report


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
    statuses: Counter[str],
    lengths: list[int],
    fresh: dict[str, CaptionResult],
    from_cache: int,
    elapsed: float,
) -> StageReport:
    rows = sum(statuses.values())
    report = StageReport(rows=rows, failed=rows - statuses["ok"], failed_label="captions not usable")
    report.metrics = {f"status_{status}": statuses[status] for status in STATUSES}
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
    return report


def _percentile(ordered: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]
