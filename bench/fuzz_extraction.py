"""Fuzzing extraction: mutated real bundles (s1mm_assets_tests/mutations.py) through the sandbox, as many as asked.

    PYTHONPATH=. .venv/bin/python bench/fuzz_extraction.py --inputs 2000 [--seed 1] [--corpus ../shared/corpus]

Prints the inputs tried, their outcomes by reason, the crashes (an exception inside extraction, or a worker that
died: any outcome but figures or a limit/refusal reason) with their details, the wall time, and the peak memory:
the largest worker's resident peak and this process's.
"""

from __future__ import annotations

import argparse
import collections
import random
import resource
import sys
import time
from pathlib import Path

from s1mm_assets.lib.extract.sandbox import PaperJob, Sandbox
from s1mm_assets.lib.settings import ExtractionSettings
from s1mm_assets_tests.mutations import mutate, seed_bundles

CONTAINED = {"", "unreadable_bundle", "timeout", "memory_limit", "output_limit"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    arguments = parser.parse_args()
    seeds = seed_bundles(arguments.corpus)
    if not seeds:
        print(f"no corpus at {arguments.corpus}", file=sys.stderr)
        return 2
    rng = random.Random(arguments.seed)
    inputs = []
    for _ in range(arguments.inputs):
        name, data = rng.choice(seeds)
        inputs.append((name, mutate(data, rng)))
    reasons: collections.Counter[str] = collections.Counter()
    crashes: list[str] = []
    figures, peak_worker = 0, 0.0
    started = time.perf_counter()
    with Sandbox(ExtractionSettings()) as sandbox:
        jobs = (PaperJob(name, content=data) for name, data in inputs)
        for (name, _), outcome in zip(inputs, sandbox.extract(jobs), strict=True):
            reasons[outcome.reason or "figures or figure-level quarantine"] += 1
            figures += len(outcome.extraction.figures) if outcome.extraction else 0
            peak_worker = max(peak_worker, outcome.peak_memory_mib or 0.0)
            if outcome.reason not in CONTAINED:
                crashes.append(f"{name}: {outcome.reason}: {outcome.detail[:300]}")
    elapsed = time.perf_counter() - started
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(inputs)} mutated inputs from {len(seeds)} real bundles (seed {arguments.seed}), {elapsed:.0f} s")
    print(f"figures extracted: {figures}; crashes: {len(crashes)}")
    print(f"peak resident memory: worker {peak_worker:.0f} MiB, this process {parent:.0f} MiB\n")
    print("| outcome | inputs |\n|---|---|")
    for reason, count in reasons.most_common():
        print(f"| {reason} | {count} |")
    for crash in crashes:
        print(f"CRASH {crash}")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
