"""Exact and near duplicates among figures drawn the way the sample corpus draws them."""

import io

import numpy as np
from PIL import Image

from s1mm_assets.lib.lake import sha256_hex
from s1mm_assets.lib.score.dedup import Candidate, find_duplicates, perceptual_hash
from s1mm_assets.lib.sources.sample.figures import available_kinds, make_figure, render
from s1mm_assets.lib.sources.sample.topics import TOPICS


def _figures(count: int) -> list[bytes]:
    """Distinct sample-corpus figures of every kind, all plain matplotlib on white like real papers."""
    figures = []
    for index in range(count):
        topic = TOPICS[index % len(TOPICS)]
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
    released = [_candidate("old", figures[0], partition="arxiv/2024-01")]
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
