"""Cheap per-figure measurements that need no model: caption lengths and whether the image still decodes."""

from __future__ import annotations

import io
import statistics
from collections.abc import Sequence

from PIL import Image, UnidentifiedImageError


def word_count(text: str | None) -> int:
    return len((text or "").split())


def image_decodes(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
        return True
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        return False


def length_summary(lengths: Sequence[int]) -> dict[str, float | None]:
    """Mean, population standard deviation and coefficient of variation (std/mean), as the paper reports them."""
    if not lengths:
        return {"mean": None, "std": None, "cv": None}
    mean = statistics.fmean(lengths)
    std = statistics.pstdev(lengths)
    return {"mean": mean, "std": std, "cv": std / mean if mean else None}
