"""Cheap per-figure measurements that need no model: caption lengths and whether the image still decodes."""

from __future__ import annotations

import io
import statistics
from collections.abc import Sequence

from PIL import Image, UnidentifiedImageError


def word_count(text: str | None) -> int:
    return len((text or "").split())


def decoded_image(data: bytes) -> Image.Image | None:
    """The image fully decoded, or None when the bytes are not an image PIL can read to the end."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
        return image
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError):
        return None


def image_decodes(data: bytes) -> bool:
    return decoded_image(data) is not None


def length_summary(lengths: Sequence[int]) -> dict[str, float | None]:
    """Mean, population standard deviation and coefficient of variation (std/mean), as the paper reports them."""
    if not lengths:
        return {"mean": None, "std": None, "cv": None}
    mean = statistics.fmean(lengths)
    std = statistics.pstdev(lengths)
    return {"mean": mean, "std": std, "cv": std / mean if mean else None}
