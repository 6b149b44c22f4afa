"""The floating-point precision the scoring models compute in.

On a GPU, half precision (autocast) runs the matrix work on the tensor cores at several times float32's speed; on
a CPU it is usually slower than float32, so `auto` means bfloat16 on a CUDA card that supports it, float16 on one
that does not, and float32 everywhere else. Weights stay in float32 and autocast casts each operation's inputs, so
the numerically sensitive parts (softmax, normalisation, the final log-probabilities, which the models compute in
float32 explicitly) keep their precision.
"""

from __future__ import annotations

import contextlib

import torch

from s1mm_assets.lib.settings import SCORING_PRECISIONS as PRECISIONS


def compute_dtype(precision: str, device: str) -> torch.dtype:
    """The dtype `precision` means on `device`."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    if precision != "auto":
        return getattr(torch, precision)
    if torch.device(device).type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def autocast(device: str, dtype: torch.dtype) -> contextlib.AbstractContextManager:
    """Autocast to `dtype` on `device`; nothing at all for float32."""
    if dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device_type=torch.device(device).type, dtype=dtype)
