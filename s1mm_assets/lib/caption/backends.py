"""Which captioning backend the captioner settings ask for."""

from __future__ import annotations

from s1mm_assets.lib.caption.base import CaptionBackend
from s1mm_assets.lib.caption.context_fusion import ContextFusionBackend
from s1mm_assets.lib.settings import CaptionerSettings

BACKENDS = ("context", "vllm", "vllm_offline")


def open_backend(settings: CaptionerSettings) -> CaptionBackend:
    """The backend, ready to caption. Model backends are imported here so `context` needs none of their deps."""
    if settings.caption_backend == "context":
        return ContextFusionBackend()
    if settings.caption_backend == "vllm":
        from s1mm_assets.lib.caption.vllm_http import VllmHttpBackend, VllmHttpSettings

        return VllmHttpBackend(VllmHttpSettings.from_captioner(settings))
    if settings.caption_backend == "vllm_offline":
        from s1mm_assets.lib.caption.vllm_offline import VllmOfflineBackend, VllmOfflineSettings

        return VllmOfflineBackend(VllmOfflineSettings.from_captioner(settings))
    raise ValueError(
        f"unknown caption backend {settings.caption_backend!r} (S1MM_CAPTION_BACKEND); available: {', '.join(BACKENDS)}"
    )
