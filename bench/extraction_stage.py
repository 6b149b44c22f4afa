"""The figures stage with and without its worker pool, on sample partitions of growing size.

    .venv/bin/python bench/extraction_stage.py [--papers 6 24 48] [--source chemrxiv] [--repeat 3]

The partition is ingested once into a temporary lake; then `extract_figures` runs with one process and with
one worker per core, alternating, and the wall-clock medians are printed (Markdown), with the machine's load:
the pool is about parallelism, so wall time is the measure, and a busy machine shrinks its gain.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.sources.sample import SampleSource
from s1mm_assets.lib.stages.figures import extract_figures
from s1mm_assets.lib.stages.raw_papers import collect_papers

MONTH = "2024-03"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, nargs="+", default=[6, 24, 48])
    parser.add_argument("--source", default="chemrxiv")
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"{cores} cores, load average before: {os.getloadavg()[0]:.1f}\n")
    print(f"| {arguments.source} papers | 1 process, s | {cores} workers, s | speed-up |")
    print("|---|---|---|---|")
    for count in arguments.papers:
        with tempfile.TemporaryDirectory() as folder:
            lake = Lake(folder)
            collect_papers(lake, SampleSource(papers_per_partition=count), arguments.source, MONTH)
            times: dict[int, list[float]] = {1: [], cores: []}
            for _ in range(arguments.repeat):
                for workers in times:
                    started = time.perf_counter()
                    extract_figures(lake, arguments.source, MONTH, workers=workers)
                    times[workers].append(time.perf_counter() - started)
        serial, pooled = statistics.median(times[1]), statistics.median(times[cores])
        print(f"| {count} | {serial:.1f} | {pooled:.1f} | {serial / pooled:.2f} |")
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
