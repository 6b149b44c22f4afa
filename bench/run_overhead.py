"""What a sample partition costs through Dagster beyond its stages' own work: the path the UI and the daemon take.

    .venv/bin/python bench/run_overhead.py [--before PATH_TO_AN_OLDER_CHECKOUT] [--rounds 3] [--json out.json]

Each round materializes one sample partition (six papers, the embedded defaults) with `dagster asset materialize
--select '*release_shards'` (the partitioned assets and their checks; the dataset report is not
partitioned) in a fresh S1MM_HOME and DAGSTER_HOME, and reads the run's events back from that instance: the wall
time of the command, and the compute of its steps (from each step's start to its success, as Dagster records
them). Wall / compute is the overhead factor: process start-up, imports, Dagster's own bookkeeping. With
`--before`, an older checkout (a `git worktree` of an earlier commit) is measured in the same rounds, alternating
which goes first, so both see the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE, MONTH = "arxiv", "2024-01"


def measure(tree: Path, partition: str) -> dict:
    """One materialization of the partition with the code of `tree`, in a fresh home."""
    home = Path(tempfile.mkdtemp(prefix="s1mm-overhead-"))
    try:
        dagster_home = home / "dagster"
        dagster_home.mkdir()
        instance_yaml = tree / "deployment" / "local" / "dagster.yaml"
        if instance_yaml.exists():
            shutil.copyfile(instance_yaml, dagster_home / "dagster.yaml")
        environment = os.environ | {
            "S1MM_HOME": str(home),
            "DAGSTER_HOME": str(dagster_home),
            "PYTHONPATH": str(tree),
        }
        command = [
            str(Path(sys.executable).with_name("dagster")),
            *("asset", "materialize", "-m", "s1mm_assets.definitions", "--select", "*release_shards"),
            *("--partition", partition),
        ]
        started = time.perf_counter()
        completed = subprocess.run(command, cwd=tree, env=environment, capture_output=True, text=True, timeout=1800)
        wall = time.perf_counter() - started
        if completed.returncode != 0:
            raise RuntimeError(f"materialize failed in {tree}:\n{completed.stderr[-3000:]}")
        steps = _step_seconds(dagster_home)
        return {"wall_s": wall, "compute_s": sum(steps.values()), "steps": steps}
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _step_seconds(dagster_home: Path) -> dict[str, float]:
    """Each step's time from its start to its success, read from the instance the run wrote."""
    script = (
        "import json, dagster as dg\n"
        "from dagster._core.events import DagsterEventType\n"
        "with dg.DagsterInstance.get() as instance:\n"
        "    [run] = instance.get_runs(limit=1)\n"
        "    times = {}\n"
        "    for kind in (DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS):\n"
        "        for record in instance.get_records_for_run(run.run_id, of_type=kind).records:\n"
        "            entry = record.event_log_entry\n"
        "            times.setdefault(entry.step_key, {})[kind.value] = entry.timestamp\n"
        "    print(json.dumps({step: t['STEP_SUCCESS'] - t['STEP_START'] for step, t in times.items()}))\n"
    )
    environment = os.environ | {"DAGSTER_HOME": str(dagster_home)}
    completed = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True, timeout=300
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, help="an older checkout to measure in the same rounds")
    parser.add_argument("--before-partition", default=f"{MONTH}-01|{SOURCE}", help="its partition key spelling")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    trees = {"after": (ROOT, f"{MONTH}|{SOURCE}")}
    if args.before:
        trees["before"] = (args.before.resolve(), args.before_partition)
    results: dict[str, list[dict]] = {name: [] for name in trees}
    for round_index in range(args.rounds):
        order = list(trees) if round_index % 2 == 0 else list(trees)[::-1]
        for name in order:
            tree, partition = trees[name]
            results[name].append(measure(tree, partition))
            last = results[name][-1]
            print(f"round {round_index + 1} {name}: wall {last['wall_s']:.1f} s, compute {last['compute_s']:.1f} s")
    print("\n| code | steps | wall s (median) | step compute s (median) | wall / compute |")
    print("|---|---|---|---|---|")
    summary = {}
    for name, rounds in results.items():
        wall = statistics.median(r["wall_s"] for r in rounds)
        compute = statistics.median(r["compute_s"] for r in rounds)
        ratio = statistics.median(r["wall_s"] / r["compute_s"] for r in rounds)
        summary[name] = {"wall_s": wall, "compute_s": compute, "ratio": ratio, "rounds": rounds}
        print(f"| {name} | {len(rounds[0]['steps'])} | {wall:.1f} | {compute:.1f} | {ratio:.2f} |")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1) + "\n")


if __name__ == "__main__":
    main()
