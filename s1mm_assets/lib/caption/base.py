"""One interface for every way of producing an enhanced caption."""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Sequence

from s1mm_assets.lib.context import FigureContext

STATUSES = ("ok", "failed", "refused", "truncated")


@dataclasses.dataclass(frozen=True)
class CaptionRequest:
    figure_id: str
    paper_id: str
    raw_caption: str
    context: FigureContext
    image_path: str  # relative to the lake root
    image_sha256: str


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


class CaptionBackend(abc.ABC):
    name: str
    model: str | None
    prompt_version: str

    @abc.abstractmethod
    def caption(self, requests: Sequence[CaptionRequest]) -> list[CaptionResult]:
        """One result per request, in the same order; failures are results with status `failed`, not raises."""
