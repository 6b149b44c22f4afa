"""Enhanced captions: the backends and how one is chosen."""

from __future__ import annotations

from s1mm_assets.lib.caption.base import STATUSES, CaptionBackend, CaptionRequest, CaptionResult
from s1mm_assets.lib.caption.context_fusion import ContextFusionBackend

__all__ = ["STATUSES", "CaptionBackend", "CaptionRequest", "CaptionResult", "ContextFusionBackend"]
