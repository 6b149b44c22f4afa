"""Enhanced captions: the prompt, the backends (context fusion, vLLM server, in-process vLLM), the cache.

Only the interface and the dependency-free `context` backend are imported here; the model backends load
their client libraries (aiohttp, vllm) when they are opened.
"""

from __future__ import annotations

from s1mm_assets.lib.caption.base import STATUSES, CaptionBackend, CaptionRequest, CaptionResult, ImageReader, Sampling
from s1mm_assets.lib.caption.context_fusion import ContextFusionBackend

__all__ = [
    "STATUSES",
    "CaptionBackend",
    "CaptionRequest",
    "CaptionResult",
    "ContextFusionBackend",
    "ImageReader",
    "Sampling",
]
