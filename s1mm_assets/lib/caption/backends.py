"""Which captioning backend a configuration asks for, built from plain settings (the resource's fields)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from s1mm_assets.lib.caption.base import CaptionBackend, Sampling
from s1mm_assets.lib.caption.context_fusion import ContextFusionBackend
from s1mm_assets.lib.caption.images import DEFAULT_MAX_PIXELS

BACKENDS = ("context", "vllm", "vllm_offline")


@dataclasses.dataclass(frozen=True)
class CaptionerSettings:
    backend: str = "context"
    server_url: str = "http://127.0.0.1:8000/v1"
    model: str = ""  # served model name (vllm) or local checkpoint folder (vllm_offline)
    sampling: Sampling = dataclasses.field(default_factory=Sampling)
    max_concurrency: int = 64
    request_timeout_s: float = 300.0
    max_attempts: int = 4
    unreachable_after_s: float = 120.0
    image_max_pixels: int = DEFAULT_MAX_PIXELS
    engine_args: Mapping[str, object] = dataclasses.field(default_factory=dict)


def open_backend(settings: CaptionerSettings) -> CaptionBackend:
    """The backend, ready to caption. Model backends are imported here so `context` needs none of their deps."""
    if settings.backend == "context":
        return ContextFusionBackend()
    if settings.backend == "vllm":
        from s1mm_assets.lib.caption.vllm_http import VllmHttpBackend, VllmHttpSettings

        return VllmHttpBackend(
            VllmHttpSettings(
                base_url=settings.server_url,
                model=settings.model,
                sampling=settings.sampling,
                max_concurrency=settings.max_concurrency,
                request_timeout_s=settings.request_timeout_s,
                max_attempts=settings.max_attempts,
                unreachable_after_s=settings.unreachable_after_s,
                image_max_pixels=settings.image_max_pixels,
            )
        )
    if settings.backend == "vllm_offline":
        from s1mm_assets.lib.caption.vllm_offline import VllmOfflineBackend, VllmOfflineSettings

        return VllmOfflineBackend(
            VllmOfflineSettings(
                model=settings.model,
                sampling=settings.sampling,
                batch_size=settings.max_concurrency,
                image_max_pixels=settings.image_max_pixels,
                engine_args={"max_num_seqs": settings.max_concurrency, **settings.engine_args},
            )
        )
    raise ValueError(f"unknown caption backend {settings.backend!r}; available: {', '.join(BACKENDS)}")
