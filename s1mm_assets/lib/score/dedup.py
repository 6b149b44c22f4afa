"""Duplicate figures: the same image bytes (sha256) or the same picture re-encoded or resized (perceptual hash).

The perceptual hash is a 256-bit DCT hash (`imagehash.phash` with hash_size=16). The 64-bit default is too
coarse for scientific figures: mostly white plots with the same layout collide at distance 0. Measured on the
sample corpus (311 distinct images, 15 partitions): every image against itself resized to 60 % and re-saved
as JPEG quality 60 lies within 10 bits; distinct figures lie 20 bits or more apart, except the same
diagram redrawn in another palette (12-14 bits). Hence the default threshold of 10 bits.

A figure is a duplicate of one that comes first: a figure already released in an earlier partition, or in
the same partition a figure that sorts before it (figures that would otherwise be released sort first, so a
duplicate pair never loses both).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import imagehash
import numpy as np
from PIL import Image

HASH_SIZE = 16
DEFAULT_MAX_BITS = 10
_BYTES = HASH_SIZE * HASH_SIZE // 8
_POPCOUNT = np.array([bin(value).count("1") for value in range(256)], dtype=np.uint16)


def perceptual_hash(image: Image.Image) -> str:
    """256-bit DCT hash as 64 hex digits."""
    return str(imagehash.phash(image.convert("RGB"), hash_size=HASH_SIZE))


@dataclasses.dataclass(frozen=True)
class Candidate:
    figure_id: str
    sha256: str
    phash: str | None  # None when the image does not decode
    partition: str  # "<source>/<YYYY-MM>"


@dataclasses.dataclass(frozen=True)
class Duplicate:
    of: str  # figure_id of the figure kept
    partition: str  # where that figure is
    kind: str  # "exact" | "near"
    distance: int  # differing hash bits (0 for exact)


def find_duplicates(
    candidates: Sequence[Candidate], released: Sequence[Candidate] = (), max_bits: int = DEFAULT_MAX_BITS
) -> dict[str, Duplicate]:
    """Duplicates among `candidates` (in priority order) and against `released` figures, by figure_id."""
    duplicates: dict[str, Duplicate] = {}
    by_sha: dict[str, Candidate] = {}
    for earlier in released:
        by_sha.setdefault(earlier.sha256, earlier)
    released_hashes = _HashIndex([item for item in released if item.phash])
    kept = _HashIndex([])
    for candidate in candidates:
        original = by_sha.get(candidate.sha256)
        if original is not None:
            duplicates[candidate.figure_id] = Duplicate(original.figure_id, original.partition, "exact", 0)
            continue
        if candidate.phash:
            near = [
                match for match in (released_hashes.nearest(candidate.phash), kept.nearest(candidate.phash)) if match
            ]
            near = [match for match in near if match[1] <= max_bits]
            if near:
                original, distance = near[0]  # a released figure wins over one of this partition
                duplicates[candidate.figure_id] = Duplicate(original.figure_id, original.partition, "near", distance)
                continue
            kept.add(candidate)
        by_sha[candidate.sha256] = candidate
    return duplicates


class _HashIndex:
    """Hashes as rows of 32 bytes; Hamming distances to all rows in one vectorised pass (a byte popcount table)."""

    def __init__(self, items: Sequence[Candidate]):
        self.items = list(items)
        self.rows = np.array([_bytes(item.phash) for item in self.items], dtype=np.uint8).reshape(-1, _BYTES)

    def add(self, item: Candidate) -> None:
        if len(self.items) == len(self.rows):  # grow by doubling: adding n items copies O(n) bytes in all
            self.rows = np.vstack([self.rows, np.zeros((max(len(self.rows), 16), _BYTES), dtype=np.uint8)])
        self.rows[len(self.items)] = _bytes(item.phash)
        self.items.append(item)

    def nearest(self, phash: str) -> tuple[Candidate, int] | None:
        if not self.items:
            return None
        differing = self.rows[: len(self.items)] ^ np.array(_bytes(phash), dtype=np.uint8)
        distances = _POPCOUNT[differing].sum(axis=1)
        best = int(np.argmin(distances))  # the first of equally near rows: the earliest
        return self.items[best], int(distances[best])


def _bytes(phash: str) -> list[int]:
    return list(bytes.fromhex(phash))
