"""A deterministic sample of a partition's figures, for statistics that describe a distribution rather than
decide about a figure (pseudo-perplexity, whose masked-LM cost is ~100 forward passes per caption)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def hashed_sample(figure_ids: Iterable[str], size: int) -> set[str]:
    """The `size` figures whose ids have the smallest SHA-256; every figure when `size` is 0 or at least their
    number. A hash, not a random draw or the first rows: the sample does not depend on the order rows come in,
    on which run computes it, or on a seed, and a figure's membership never changes between re-runs."""
    ids = set(figure_ids)
    if size <= 0 or size >= len(ids):
        return ids
    return set(sorted(ids, key=lambda figure_id: hashlib.sha256(figure_id.encode()).digest())[:size])
