"""Near-duplicate search against earlier releases: the multi-index `HammingIndex` against comparing every row.

    .venv/bin/python bench/dedup_throughput.py [--released 100000 1000000] [--queries 1000] [--repeat 3]

Released hashes are synthetic, made the way figure hashes crowd: real 256-bit perceptual hashes of sample-corpus
figures (every kind of plot the generator draws) as layouts, each released hash one of them with 20-60 random
bits flipped (distinct figures of one layout lie 20 bits or more apart, see `s1mm_assets.lib.score.dedup`).
Queries: half new figures made the same way, half copies of released ones with 0-10 bits flipped (re-encoded
or resized). Both searches answer every query with the nearest released row within 10 bits; the bench checks
that their answers are the same, and reports the median time per query over `--repeat` runs (all queries at once
for the index, one by one for comparing every row, as the code before it did), the ratio, the time to build the
index, and the index's memory beyond the hashes themselves.

`--partition N` then times `find_duplicates` as the quality stage calls it for a partition of N figures against
the last released set (half new figures, a quarter copies of released ones, a quarter copies of figures earlier
in the same partition), released metadata read into `OwnedFigures` included. `--results` writes the CPU time per
figure of that call (or, without `--partition`, the wall time of a query to the largest index) as a rate
`s1mm plan` reads.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
from PIL import Image

from s1mm_assets.lib.score.dedup import (
    DEFAULT_MAX_BITS,
    Candidate,
    HammingIndex,
    OwnedFigures,
    find_duplicates,
    perceptual_hash,
)
from s1mm_assets.lib.sources.sample.figures import available_kinds, make_figure, render
from s1mm_assets.lib.sources.sample.topics import all_topics

_POPCOUNT = np.array([bin(value).count("1") for value in range(256)], dtype=np.uint16)


def layouts(count: int) -> np.ndarray:
    hashes = []
    topics = all_topics()
    for index in range(count):
        topic = topics[index % len(topics)]
        kinds = available_kinds(topic)
        spec = make_figure(kinds[index % len(kinds)], topic, np.random.default_rng(index), "(a)")
        hashes.append(bytes.fromhex(perceptual_hash(Image.open(io.BytesIO(render(spec, "png"))))))
    return np.frombuffer(b"".join(hashes), dtype=np.uint8).reshape(count, 32)


def flipped(rng: np.random.Generator, rows: np.ndarray, low: int, high: int) -> np.ndarray:
    """Each row with low..high random bits flipped."""
    bits = np.unpackbits(rows, axis=1)
    for row in bits:
        row[rng.choice(256, size=int(rng.integers(low, high + 1)), replace=False)] ^= 1
    return np.packbits(bits, axis=1)


def every_row_nearest(rows: np.ndarray, query: np.ndarray, radius: int) -> tuple[int, int]:
    """The search before the index: XOR with every row, a byte popcount table, the first nearest."""
    distances = _POPCOUNT[rows ^ query].sum(axis=1)
    best = int(np.argmin(distances))
    return (best, int(distances[best])) if distances[best] <= radius else (-1, -1)


def partition_seconds(
    rng: np.random.Generator, centres: np.ndarray, released: np.ndarray, count: int
) -> tuple[float, str]:
    """`find_duplicates` for a partition of `count` figures against `released`, as the quality stage runs it: its CPU
    seconds (this process, all threads: a busy machine's wall clock would count the neighbours) and a summary."""
    new = flipped(rng, centres[rng.integers(0, len(centres), count - count // 2)], 20, 60)
    copies = flipped(rng, released[rng.integers(0, len(released), count // 4)], 0, DEFAULT_MAX_BITS)
    repeats = flipped(rng, new[: count // 2 - count // 4], 0, DEFAULT_MAX_BITS)  # copies within the partition
    hashes = [row.tobytes().hex() for row in np.concatenate([new, copies, repeats])]
    candidates = [Candidate(f"new-{i}", f"sha-new-{i}", phash, "arxiv/2024-02") for i, phash in enumerate(hashes)]
    metadata = pa.table(
        {
            "figure_id": [f"old-{i}" for i in range(len(released))],
            "image_sha256": [f"sha-old-{i}" for i in range(len(released))],
            "image_phash": [row.tobytes().hex() for row in released],
        }
    )
    started, cpu = time.perf_counter(), time.process_time()
    found = find_duplicates(candidates, OwnedFigures.from_tables([("arxiv/2024-01", metadata)]))
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    within = sum(duplicate.partition == "arxiv/2024-02" for duplicate in found.values())
    return cpu_seconds, (
        f"find_duplicates, a partition of {count:,} figures against {len(released):,} released: {seconds:.1f} s "
        f"({cpu_seconds:.1f} CPU s); {len(found) - within} duplicates of released figures, {within} within the "
        "partition"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--released", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--every-row-queries", type=int, default=200, help="queries timed for comparing every row")
    parser.add_argument("--layouts", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--partition", type=int, default=0, help="also time find_duplicates for this many figures")
    parser.add_argument("--results", type=Path, help="write the rate a capacity plan reads here")
    arguments = parser.parse_args()
    rng = np.random.default_rng(0)
    centres = layouts(arguments.layouts)
    radius = DEFAULT_MAX_BITS
    print(
        f"radius {radius} bits, {arguments.layouts} layouts, {arguments.queries} queries, "
        f"median of {arguments.repeat}\n"
    )
    print(
        "| released | index build s | index memory MiB (hashes MiB) | index ms/query | every row ms/query "
        "| ratio | near duplicates found | answers equal |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for count in arguments.released:
        released = flipped(rng, centres[rng.integers(0, len(centres), count)], 20, 60)
        half = arguments.queries // 2
        queries = np.concatenate(
            [
                flipped(rng, centres[rng.integers(0, len(centres), half)], 20, 60),
                flipped(rng, released[rng.integers(0, count, arguments.queries - half)], 0, radius),
            ]
        )
        builds, index_times, every_row_times = [], [], []
        for _ in range(arguments.repeat):
            started = time.perf_counter()
            index = HammingIndex(released, radius)
            builds.append(time.perf_counter() - started)
            started = time.perf_counter()
            found, distances = index.nearest(queries)
            index_times.append((time.perf_counter() - started) / len(queries))
            timed = queries[: arguments.every_row_queries]
            started = time.perf_counter()
            expected = [every_row_nearest(released, query, radius) for query in timed]
            every_row_times.append((time.perf_counter() - started) / len(timed))
        equal = list(zip(found[: len(timed)].tolist(), distances[: len(timed)].tolist(), strict=True)) == expected
        index_bytes = sum(keys.nbytes + order.nbytes for keys, order in zip(index._keys, index._orders, strict=True))
        print(
            f"| {count:,} | {statistics.median(builds):.2f} "
            f"| {index_bytes / 2**20:.0f} ({released.nbytes / 2**20:.0f}) "
            f"| {statistics.median(index_times) * 1e3:.3f} | {statistics.median(every_row_times) * 1e3:.2f} "
            f"| {statistics.median(every_row_times) / statistics.median(index_times):.0f} "
            f"| {int((found >= 0).sum())} / {len(queries)} | {'yes' if equal else 'NO'} |"
        )
        if not equal:
            return 1
    if arguments.partition:
        seconds, summary = partition_seconds(rng, centres, released, arguments.partition)
        print("\n" + summary)
        rate = (
            seconds / arguments.partition,
            f"CPU seconds of find_duplicates for a partition of {arguments.partition:,} figures against {count:,} "
            "released (released metadata read, index built, every figure looked up), per figure",
        )
    else:
        rate = (statistics.median(index_times), f"one lookup in the index of {count:,} released figures (wall)")
    if arguments.results:
        from s1mm_assets.lib.plan.rates import write_result

        write_result(
            arguments.results,
            "dedup_throughput",
            {"score.dedup.core_seconds_per_figure": (rate[0], "core-s/figure", f"{rate[1]}; synthetic hashes")},
            details={"released": arguments.released, "queries": arguments.queries, "partition": arguments.partition},
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
