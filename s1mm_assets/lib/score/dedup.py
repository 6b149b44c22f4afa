"""Duplicate figures: the same image bytes (sha256), the same picture re-encoded or resized (perceptual hash), or
the same numbered figure of the same work found in another source (lib/identifiers.py).

The perceptual hash is a 256-bit DCT hash (`imagehash.phash` with hash_size=16). The 64-bit default is too
coarse for scientific figures: mostly white plots with the same layout collide at distance 0. Measured on the
sample corpus (311 distinct images, 15 partitions): every image against itself resized to 60 % and re-saved
as JPEG quality 60 lies within 10 bits; distinct figures lie 20 bits or more apart, except the same
diagram redrawn in another palette (12-14 bits). Hence the default threshold of 10 bits
(`S1MM_NEAR_DUPLICATE_MAX_BITS`).

A figure is a duplicate of one that comes first: a figure owned by an earlier partition, or among the
candidates a figure before it (the caller orders them; lib/score/ownership.py says how).

Earlier partitions own millions of figures (S1-MMAlign has 15.5 M): they are kept as columns and arrays, and the
nearest owned hash is found by multi-index hashing (`HammingIndex`), which answers exactly what comparing every
owned hash would, thousands of times faster at a million (BENCHMARKS.md, "Near-duplicate search").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence

import imagehash
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from PIL import Image

from s1mm_assets.lib.settings import GateSettings

HASH_SIZE = 16
DEFAULT_MAX_BITS = GateSettings().near_duplicate_max_bits
_BYTES = HASH_SIZE * HASH_SIZE // 8
_POPCOUNT = np.array([bin(value).count("1") for value in range(256)], dtype=np.uint8)
_TAIL_ROWS = 1024  # rows added one by one are compared in full until there are this many
_BITS = 8 * _BYTES
_QUERY_BATCH = 512  # queries looked up together
_PAIR_BUDGET = 1 << 20  # (query, row) pairs compared at once: ~50 MB of rows gathered


def perceptual_hash(image: Image.Image) -> str:
    """256-bit DCT hash as 64 hex digits."""
    return str(imagehash.phash(image.convert("RGB"), hash_size=HASH_SIZE))


def _rows(phashes: Sequence[str]) -> np.ndarray:
    """Hashes as hex digits to rows of 32 bytes."""
    return np.frombuffer(bytes.fromhex("".join(phashes)), dtype=np.uint8).reshape(-1, _BYTES)


@dataclasses.dataclass(frozen=True)
class Candidate:
    figure_id: str
    sha256: str
    phash: str | None  # None when the image does not decode
    partition: str  # "<source>/<YYYY-MM>"
    # "<work key>#<figure number>" for each key of the figure's work (lib/identifiers.py)
    work_figures: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Duplicate:
    of: str  # figure_id of the figure kept
    partition: str  # where that figure is
    kind: str  # "exact" | "near" | "same_work"
    distance: int | None  # differing hash bits (0 for exact); None for the same figure of the same work


@dataclasses.dataclass(frozen=True)
class OwnedFigures:
    """The figures earlier partitions own, column by column: there are millions of them, so no Python object per
    figure; a row is read out only when it is the original of a duplicate."""

    figure_ids: pa.ChunkedArray
    sha256: pa.ChunkedArray
    partitions: pa.ChunkedArray
    hashes: np.ndarray  # (hashed rows, 32) uint8: the perceptual hashes of the images that decoded
    hash_rows: np.ndarray  # the row of each hash
    work_figures: pa.ChunkedArray  # list<string> per row

    @classmethod
    def from_tables(cls, owners: Sequence[tuple[str, pa.Table]]) -> OwnedFigures:
        """From each partition ("<source>/<YYYY-MM>") and the table of its owned figures (figure_id, image_sha256
        and, where recorded, image_phash and work_figures), in the order they were owned."""
        figure_ids, shas, partitions, hashes, hash_rows, works = [], [], [], [], [], []
        rows = 0
        for partition, table in owners:
            figure_ids += table.column("figure_id").chunks
            shas += table.column("image_sha256").chunks
            works += (
                table.column("work_figures").cast(pa.list_(pa.string())).chunks
                if "work_figures" in table.column_names
                else [pa.nulls(table.num_rows, pa.list_(pa.string()))]
            )
            partitions.append(pa.array([partition] * table.num_rows, pa.string()).dictionary_encode())
            phashes = (
                table.column("image_phash").to_pylist()
                if "image_phash" in table.column_names
                else [None] * table.num_rows
            )
            hash_rows.append(rows + np.flatnonzero(np.array([phash is not None for phash in phashes], dtype=bool)))
            hashes.append(_rows([phash for phash in phashes if phash is not None]))
            rows += table.num_rows
        return cls(
            figure_ids=pa.chunked_array(figure_ids, pa.string()),
            sha256=pa.chunked_array(shas, pa.string()),
            partitions=pa.chunked_array(partitions, pa.dictionary(pa.int32(), pa.string())),
            hashes=np.concatenate(hashes) if hashes else _rows([]),
            hash_rows=np.concatenate(hash_rows) if hash_rows else np.zeros(0, dtype=np.int64),
            work_figures=pa.chunked_array(works, pa.list_(pa.string())),
        )

    def __len__(self) -> int:
        return len(self.figure_ids)

    def duplicate_of(self, row: int, kind: str, distance: int | None) -> Duplicate:
        """A duplicate of the figure in this row."""
        return Duplicate(self.figure_ids[row].as_py(), self.partitions[row].as_py(), kind, distance)

    def first_with_sha(self, shas: Collection[str]) -> dict[str, int]:
        """The first released row with each of these image hashes, for those that were released."""
        if not shas or not len(self):
            return {}
        mask = pc.is_in(self.sha256, value_set=pa.array(sorted(shas), pa.string())).to_numpy(zero_copy_only=False)
        first: dict[str, int] = {}
        for row in np.flatnonzero(mask):
            first.setdefault(self.sha256[int(row)].as_py(), int(row))
        return first

    def first_with_work_figure(self, keys: Collection[str]) -> dict[str, int]:
        """The first owned row listing each of these "<work key>#<number>" keys, for those that are owned."""
        if not keys or not len(self):
            return {}
        flat = pc.list_flatten(self.work_figures)
        parents = pc.list_parent_indices(self.work_figures).to_numpy()
        mask = pc.is_in(flat, value_set=pa.array(sorted(keys), pa.string())).to_numpy(zero_copy_only=False)
        first: dict[str, int] = {}
        for position in np.flatnonzero(mask):
            first.setdefault(flat[int(position)].as_py(), int(parents[position]))
        return first


NO_OWNED_FIGURES = OwnedFigures.from_tables([])


def find_duplicates(
    candidates: Sequence[Candidate], owned: OwnedFigures = NO_OWNED_FIGURES, max_bits: int = DEFAULT_MAX_BITS
) -> dict[str, Duplicate]:
    """Duplicates among `candidates` (in priority order) and against figures `owned` by earlier partitions, by
    figure_id. A figure is looked up by its bytes, then its perceptual hash, then its work and number; against
    the earlier owners first, then against the candidates before it."""
    originals = _Originals(candidates, owned, max_bits)
    duplicates: dict[str, Duplicate] = {}
    for position, candidate in enumerate(candidates):
        duplicate = originals.of(position, candidate)
        if duplicate is None:
            originals.keep(candidate)
        else:
            duplicates[candidate.figure_id] = duplicate
    return duplicates


class _Originals:
    """What a candidate may duplicate: the figures earlier partitions own (looked up for all candidates at once)
    and the candidates kept so far (one by one, in order: a duplicate is no original for the ones after it)."""

    def __init__(self, candidates: Sequence[Candidate], owned: OwnedFigures, max_bits: int):
        self.owned = owned
        self.owned_by_sha = owned.first_with_sha({candidate.sha256 for candidate in candidates})
        self.owned_by_work = owned.first_with_work_figure({key for c in candidates for key in c.work_figures})
        hashed = [position for position, candidate in enumerate(candidates) if candidate.phash]
        rows, distances = HammingIndex(owned.hashes, max_bits).nearest(_rows([candidates[i].phash for i in hashed]))
        self.nearest_owned = dict(zip(hashed, zip(rows.tolist(), distances.tolist(), strict=True), strict=True))
        self.by_sha: dict[str, Candidate] = {}
        self.by_work: dict[str, Candidate] = {}
        self.kept = HammingIndex(_rows([]), max_bits)
        self.kept_hashed: list[Candidate] = []

    def of(self, position: int, candidate: Candidate) -> Duplicate | None:
        if candidate.sha256 in self.owned_by_sha:
            return self.owned.duplicate_of(self.owned_by_sha[candidate.sha256], "exact", 0)
        if candidate.sha256 in self.by_sha:
            return _duplicate_of(self.by_sha[candidate.sha256], "exact", 0)
        if candidate.phash:
            row, distance = self.nearest_owned[position]
            if row >= 0:
                return self.owned.duplicate_of(int(self.owned.hash_rows[row]), "near", distance)
            [row], [distance] = self.kept.nearest(_rows([candidate.phash]))
            if row >= 0:
                return _duplicate_of(self.kept_hashed[row], "near", int(distance))
        for key in candidate.work_figures:
            if key in self.owned_by_work:
                return self.owned.duplicate_of(self.owned_by_work[key], "same_work", None)
        for key in candidate.work_figures:
            if key in self.by_work:
                return _duplicate_of(self.by_work[key], "same_work", None)
        return None

    def keep(self, candidate: Candidate) -> None:
        self.by_sha[candidate.sha256] = candidate
        for key in candidate.work_figures:
            self.by_work.setdefault(key, candidate)
        if candidate.phash:
            self.kept.add(_rows([candidate.phash])[0])
            self.kept_hashed.append(candidate)


def _duplicate_of(original: Candidate, kind: str, distance: int | None) -> Duplicate:
    return Duplicate(original.figure_id, original.partition, kind, distance)


class HammingIndex:
    """256-bit hashes, searched for the nearest one within `radius` differing bits by multi-index hashing
    (Norouzi, Punjani and Fleet, CVPR 2012): each hash is cut into radius + 1 parts, and a hash within `radius`
    bits of the query equals it exactly in at least one part (pigeonhole), so only the rows that share a part
    with the query (found by binary search in each part's sorted keys) are compared bit by bit. Against millions
    of released figures that is a handful of comparisons per query instead of millions, with the same answer
    as comparing every row.

    Rows added one by one (the kept figures of a partition) wait in a tail that is compared in full, and are
    sorted into the parts once the tail outgrows a fraction of the rest."""

    def __init__(self, rows: np.ndarray, radius: int):
        self.radius = radius
        self.rows = np.asarray(rows, dtype=np.uint8).reshape(-1, _BYTES)  # no copy: `add` grows into a new array
        self.size = len(self.rows)
        # Byte-aligned parts; a radius of 32 or more would need parts shorter than a byte: every row is compared.
        self.parts = np.array_split(np.arange(_BYTES), radius + 1) if radius + 1 <= _BYTES else []
        self._keys: list[np.ndarray] = []
        self._orders: list[np.ndarray] = []
        self._sorted = 0  # rows [0, _sorted) are in the parts' sorted keys; the rest are the tail
        self._sort()

    def add(self, row: np.ndarray) -> None:
        if self.size == len(self.rows):  # grow by doubling: adding n rows copies O(n) bytes in all
            grown = np.zeros((max(2 * len(self.rows), 16), _BYTES), dtype=np.uint8)
            grown[: self.size] = self.rows[: self.size]
            self.rows = grown
        self.rows[self.size] = row
        self.size += 1
        if self.parts and self.size - self._sorted > max(_TAIL_ROWS, self._sorted // 4):
            self._sort()

    def nearest(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each query row: the index of the nearest row within the radius (the first of equally near
        ones) and its distance in bits; -1 and -1 where none is that near."""
        found = np.full(len(queries), -1, dtype=np.int64)
        distances = np.full(len(queries), _BITS + 1, dtype=np.int64)
        pending = [
            np.arange(start, min(start + _QUERY_BATCH, len(queries))) for start in range(0, len(queries), _QUERY_BATCH)
        ]
        while pending:
            batch = pending.pop()
            pairs = self._pairs(queries[batch])
            if pairs is None and len(batch) > 1:  # crowded parts: fewer queries at a time
                pending += [batch[: len(batch) // 2], batch[len(batch) // 2 :]]
                continue
            if pairs is None:  # one query sharing parts with a great many rows: every row, slice by slice
                pairs = [
                    (np.zeros(stop - start, dtype=np.int64), np.arange(start, stop))
                    for start, stop in _slices(self.size, _PAIR_BUDGET)
                ]
            for query_of, row_of in pairs:
                self._keep_nearest(queries, batch[query_of], row_of, found, distances)
        distances[found < 0] = -1
        return found, distances

    def _keep_nearest(
        self, queries: np.ndarray, query_of: np.ndarray, row_of: np.ndarray, found: np.ndarray, distances: np.ndarray
    ) -> None:
        """Compare each (query, row) pair bit by bit; where a row is within the radius and nearer than what the
        query has (or as near and earlier), it becomes the query's answer."""
        pair_distances = _POPCOUNT[self.rows[row_of] ^ queries[query_of]].sum(axis=1, dtype=np.int64)
        near = pair_distances <= self.radius
        query_of, row_of, pair_distances = query_of[near], row_of[near], pair_distances[near]
        # Candidates so far join the new pairs, so slices of one query's pairs add up to the same answer.
        held = np.unique(query_of)
        held = held[found[held] >= 0]
        query_of = np.concatenate([query_of, held])
        row_of = np.concatenate([row_of, found[held]])
        pair_distances = np.concatenate([pair_distances, distances[held]])
        order = np.lexsort((row_of, pair_distances, query_of))  # the last key sorts first
        query_of, row_of, pair_distances = query_of[order], row_of[order], pair_distances[order]
        first = np.ones(len(query_of), dtype=bool)
        first[1:] = query_of[1:] != query_of[:-1]
        found[query_of[first]] = row_of[first]
        distances[query_of[first]] = pair_distances[first]

    def _pairs(self, batch: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]] | None:
        """The (query, row) pairs to compare: every row of the tail, and the rows that share a part with the
        query; None when they would be more than the pair budget."""
        tail = np.arange(self._sorted, self.size)
        query_of = [np.repeat(np.arange(len(batch)), len(tail))]
        row_of = [np.tile(tail, len(batch))]
        total = len(batch) * len(tail)
        if total > _PAIR_BUDGET:
            return None
        for part, keys, order in zip(self.parts, self._keys, self._orders, strict=True):
            query_keys = _part_keys(batch, part)
            low = np.searchsorted(keys, query_keys, side="left")
            counts = np.searchsorted(keys, query_keys, side="right") - low
            matches = int(counts.sum())
            total += matches
            if total > _PAIR_BUDGET:
                return None
            # the sorted positions low[q] .. low[q] + counts[q] - 1 of every query q, laid end to end
            offsets = np.arange(matches) - np.repeat(np.cumsum(counts) - counts, counts)
            query_of.append(np.repeat(np.arange(len(batch)), counts))
            row_of.append(order[np.repeat(low, counts) + offsets])
        return [(np.concatenate(query_of), np.concatenate(row_of))]

    def _sort(self) -> None:
        self._keys, self._orders = [], []
        for part in self.parts:
            keys = _part_keys(self.rows[: self.size], part)
            order = np.argsort(keys, kind="stable")
            self._keys.append(keys[order])
            self._orders.append(order.astype(np.int32 if self.size < 2**31 else np.int64))
        self._sorted = self.size if self.parts else 0


def _slices(total: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(start + size, total)) for start in range(0, total, size)]


def _part_keys(rows: np.ndarray, part: np.ndarray) -> np.ndarray:
    """Each row's bytes in `part` as one unsigned integer (the first 8 where a part is longer: rows equal in
    the part are then still equal in the key, and the bit-by-bit comparison sorts out the rest)."""
    part = part[:8]
    dtype = np.uint32 if len(part) <= 4 else np.uint64
    keys = np.zeros(len(rows), dtype=dtype)
    for byte in part:
        keys = (keys << dtype(8)) | rows[:, byte].astype(dtype)
    return keys
