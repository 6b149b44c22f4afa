"""Exact and near duplicates among figures drawn the way the sample corpus draws them."""

import io

import numpy as np
import pyarrow as pa
import pytest
from PIL import Image

from s1mm_assets.lib.lake import sha256_hex
from s1mm_assets.lib.score import dedup
from s1mm_assets.lib.score.dedup import Candidate, HammingIndex, OwnedFigures, find_duplicates, perceptual_hash
from s1mm_assets.lib.sources.sample.figures import available_kinds, make_figure, render
from s1mm_assets.lib.sources.sample.topics import all_topics


def _figures(count: int) -> list[bytes]:
    """Distinct sample-corpus figures of every kind, all plain matplotlib on white like real papers."""
    figures = []
    topics = all_topics()
    for index in range(count):
        topic = topics[index % len(topics)]
        kinds = available_kinds(topic)
        spec = make_figure(kinds[index % len(kinds)], topic, np.random.default_rng(index), "(a)")
        figures.append(render(spec, "png"))
    return figures


def _reencoded(data: bytes, scale: float = 0.6, quality: int = 60) -> bytes:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    smaller = image.resize((int(image.width * scale), int(image.height * scale)))
    buffer = io.BytesIO()
    smaller.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def _candidate(name: str, data: bytes, partition: str = "arxiv/2024-02") -> Candidate:
    return Candidate(name, sha256_hex(data), perceptual_hash(Image.open(io.BytesIO(data))), partition)


def test_distinct_figures_are_not_duplicates_even_when_they_look_alike():
    figures = _figures(24)
    candidates = [_candidate(f"f{index}", data) for index, data in enumerate(figures)]
    assert find_duplicates(candidates) == {}


def test_the_same_image_again_is_an_exact_duplicate_of_the_first():
    [figure] = _figures(1)
    found = find_duplicates([_candidate("first", figure), _candidate("again", figure)])
    assert set(found) == {"again"}
    assert (found["again"].of, found["again"].kind, found["again"].distance) == ("first", "exact", 0)


def test_a_resized_jpeg_copy_is_a_near_duplicate():
    figures = _figures(6)
    candidates = [_candidate(f"f{index}", data) for index, data in enumerate(figures)]
    candidates.append(_candidate("copy-of-f3", _reencoded(figures[3])))
    found = find_duplicates(candidates)
    assert set(found) == {"copy-of-f3"}
    assert found["copy-of-f3"].of == "f3" and found["copy-of-f3"].kind == "near"
    assert 0 < found["copy-of-f3"].distance <= 10
    assert find_duplicates(candidates, max_bits=0) == {}  # the threshold is the caller's


def test_a_figure_already_released_in_an_earlier_partition_wins_over_one_in_this_partition():
    figures = _figures(3)
    old = _candidate("old", figures[0])
    metadata = pa.table({"figure_id": [old.figure_id], "image_sha256": [old.sha256], "image_phash": [old.phash]})
    released = OwnedFigures.from_tables([("arxiv/2024-01", metadata)])
    candidates = [_candidate("new", _reencoded(figures[0])), _candidate("also-new", _reencoded(figures[0], 0.8))]
    found = find_duplicates(candidates, released)
    assert {name: (dup.of, dup.partition) for name, dup in found.items()} == {
        "new": ("old", "arxiv/2024-01"),
        "also-new": ("old", "arxiv/2024-01"),
    }


def test_an_undecodable_image_is_only_compared_by_its_bytes():
    found = find_duplicates(
        [Candidate("a", "sha-1", None, "p"), Candidate("b", "sha-1", None, "p"), Candidate("c", "sha-2", None, "p")]
    )
    assert set(found) == {"b"}


def _brute_force_nearest(rows: np.ndarray, query: np.ndarray, radius: int) -> tuple[int, int]:
    """The reference: every row compared bit by bit; the first of the nearest within the radius."""
    distances = np.unpackbits(rows ^ query, axis=1).sum(axis=1)
    if not len(rows) or distances.min() > radius:
        return -1, -1
    return int(np.argmin(distances)), int(distances.min())


def _clustered_hashes(rng: np.random.Generator, count: int) -> np.ndarray:
    """Hashes crowded the way figure hashes are: a few layouts, each varied by a few to a few dozen bits."""
    centres = rng.integers(0, 256, size=(8, 32), dtype=np.uint8)
    rows = centres[rng.integers(0, len(centres), size=count)].copy()
    for row in rows:
        for bit in rng.choice(256, size=int(rng.integers(0, 40)), replace=False):
            row[bit // 8] ^= np.uint8(1 << (bit % 8))
    return rows


@pytest.mark.parametrize("radius", [0, 2, 10, 31, 40])
def test_the_hamming_index_finds_what_comparing_every_row_finds(radius):
    rng = np.random.default_rng(radius)
    rows, queries = _clustered_hashes(rng, 3000), _clustered_hashes(rng, 300)
    queries[:20] = rows[rng.integers(0, len(rows), 20)]  # some exact repeats, found at distance 0
    # and rows with exactly `radius` bits flipped, one in each of `radius` even stretches of the hash: an index
    # cut into only `radius` parts would find no part left equal
    for query, row in zip(queries[20:40], rows[rng.integers(0, len(rows), 20)], strict=True):
        query[:] = row
        for stretch in np.array_split(np.arange(32), min(radius, 32)) if radius else []:
            query[stretch[0]] ^= np.uint8(1 << int(rng.integers(0, 8)))
    found, distances = HammingIndex(rows, radius).nearest(queries)
    expected = [_brute_force_nearest(rows, query, radius) for query in queries]
    assert list(zip(found.tolist(), distances.tolist(), strict=True)) == expected
    assert sum(row >= 0 for row, _ in expected) >= (40 if radius <= 32 else 20)


def test_rows_added_one_by_one_are_found_before_and_after_they_are_sorted_in(monkeypatch):
    monkeypatch.setattr(dedup, "_TAIL_ROWS", 16)  # sort the tail into the parts many times over
    rng = np.random.default_rng(7)
    rows, queries = _clustered_hashes(rng, 400), _clustered_hashes(rng, 50)
    index = HammingIndex(rows[:0], 10)
    for count, row in enumerate(rows, start=1):
        index.add(row)
        if count % 97 == 0 or count == len(rows):
            found, distances = index.nearest(queries)
            expected = [_brute_force_nearest(rows[:count], query, 10) for query in queries]
            assert list(zip(found.tolist(), distances.tolist(), strict=True)) == expected


def test_crowded_parts_are_searched_in_slices_with_the_same_answer(monkeypatch):
    rng = np.random.default_rng(3)
    rows, queries = _clustered_hashes(rng, 2000), _clustered_hashes(rng, 64)
    expected = HammingIndex(rows, 10).nearest(queries)
    monkeypatch.setattr(dedup, "_PAIR_BUDGET", 50)  # fewer pairs than one query shares parts with
    found, distances = HammingIndex(rows, 10).nearest(queries)
    assert found.tolist() == expected[0].tolist() and distances.tolist() == expected[1].tolist()


def test_released_figures_read_from_release_metadata_name_the_first_release_of_an_image():
    figures = _figures(2)
    first = _candidate("first", figures[0], partition="arxiv/2024-01")
    older_release = pa.table({"figure_id": ["first"], "image_sha256": [first.sha256]})  # before hashes were kept
    newer_release = pa.table(
        {
            "figure_id": ["again", "other", "broken"],
            "image_sha256": [first.sha256, sha256_hex(figures[1]), "sha-broken"],
            "image_phash": pa.array([first.phash, _candidate("o", figures[1]).phash, None], pa.string()),
        }
    )
    released = OwnedFigures.from_tables([("arxiv/2024-01", older_release), ("biorxiv/2024-02", newer_release)])
    assert len(released) == 4 and len(released.hashes) == 2
    found = find_duplicates(
        [
            _candidate("copy", figures[0]),
            _candidate("near-copy", _reencoded(figures[1])),
            Candidate("b", "sha-broken", None, "p"),
        ],
        released,
    )
    assert {name: (dup.of, dup.partition, dup.kind) for name, dup in found.items()} == {
        "copy": ("first", "arxiv/2024-01", "exact"),
        "near-copy": ("other", "biorxiv/2024-02", "near"),
        "b": ("broken", "biorxiv/2024-02", "exact"),
    }
