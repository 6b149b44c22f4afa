"""One interface for every way of producing an enhanced caption."""

from __future__ import annotations

import abc
import dataclasses
import json
from collections.abc import Callable, Iterator, Mapping, Sequence

from s1mm_assets.lib.caption.completion import judge_completion
from s1mm_assets.lib.context import FigureContext
from s1mm_assets.lib.settings import CaptionerSettings

STATUSES = ("ok", "failed", "refused", "truncated")

# Reads an image by its lake-relative path (`Lake.read_bytes`); backends that look at images call it.
ImageReader = Callable[[str], bytes]


@dataclasses.dataclass(frozen=True)
class CaptionRequest:
    figure_id: str
    paper_id: str
    raw_caption: str
    context: FigureContext
    image_path: str  # relative to the lake root
    image_sha256: str
    # How the paper refers to the figure ("3", "S2"), so the prompt can pick the sentences that cite it.
    figure_number: str | None = None


@dataclasses.dataclass(frozen=True)
class CaptionResult:
    figure_id: str
    enhanced_caption: str
    status: str  # one of STATUSES
    backend: str
    model: str | None
    prompt_version: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float | None = None
    error: str | None = None
    # Why the model stopped ("stop", "length"); None when no model answered (transport failure, bad image).
    finish_reason: str | None = None
    attempts: int | None = None  # requests sent for this figure, retries included

    @property
    def answered(self) -> bool:
        """The model produced this outcome. Asking again with the same inputs gives the same answer, so it is
        worth caching; a failure to reach the model is not."""
        return self.finish_reason is not None


@dataclasses.dataclass(frozen=True)
class Sampling:
    """How a model backend decodes: greedy by default, with a hard cap on the caption's length in tokens."""

    max_tokens: int = CaptionerSettings().caption_max_tokens
    temperature: float = CaptionerSettings().caption_temperature
    top_p: float = 1.0
    # Extra vLLM sampling fields sent as they are, e.g. {"ignore_eos": true} to fix the length in benchmarks.
    extra: Mapping[str, object] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_captioner(cls, settings: CaptionerSettings) -> Sampling:
        return cls(max_tokens=settings.caption_max_tokens, temperature=settings.caption_temperature)

    def fingerprint(self) -> str:
        return json.dumps(
            {"max_tokens": self.max_tokens, "temperature": self.temperature, "top_p": self.top_p, **self.extra},
            sort_keys=True,
        )


class CaptionBackend(abc.ABC):
    name: str
    model: str | None
    prompt_version: str
    # Whether answers are worth keeping in the caption cache (model backends: yes; the free `context` fusion: no).
    cacheable: bool = False

    @abc.abstractmethod
    def caption_stream(self, requests: Sequence[CaptionRequest], read_image: ImageReader) -> Iterator[CaptionResult]:
        """One result per request, yielded as each completes (any order), so callers can checkpoint progress.

        Failures are results with status `failed` and the reason, never raises.
        """

    def caption(self, requests: Sequence[CaptionRequest], read_image: ImageReader) -> list[CaptionResult]:
        """One result per request, in the order of the requests."""
        by_figure = {result.figure_id: result for result in self.caption_stream(requests, read_image)}
        return [by_figure[request.figure_id] for request in requests]

    def settings_fingerprint(self) -> str:
        """What else, besides prompt and model, decides the output (sampling settings); part of the cache key."""
        return ""

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release what the backend holds (connections, an in-process engine)."""

    def answer(
        self,
        request: CaptionRequest,
        text: str | None,
        finish_reason: str | None,
        *,
        refusal: str | None = None,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        latency_s: float | None = None,
        attempts: int = 1,
    ) -> CaptionResult:
        """The result for a completion the model returned, judged the same way for every model backend."""
        verdict = judge_completion(text, finish_reason, refusal)
        return self._result(
            request,
            enhanced_caption=verdict.caption,
            status=verdict.status,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            latency_s=None if latency_s is None else round(latency_s, 4),
            error=verdict.error,
            finish_reason=finish_reason or "unknown",
            attempts=attempts,
        )

    def failure(self, request: CaptionRequest, error: str, attempts: int = 0) -> CaptionResult:
        """The result for a figure no model answered for (unreadable image, unreachable server)."""
        return self._result(request, enhanced_caption="", status="failed", error=error, attempts=attempts)

    def _result(self, request: CaptionRequest, **outcome) -> CaptionResult:
        return CaptionResult(
            figure_id=request.figure_id,
            backend=self.name,
            model=self.model,
            prompt_version=self.prompt_version,
            **outcome,
        )
