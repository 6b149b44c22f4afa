"""Each class of hostile paper through `s1mm extract` with the default limits, followed by a good paper: wall time,
peak memory of the whole process tree, outcome, and whether anything leaked or was written outside.

    PYTHONPATH=. .venv/bin/python bench/hostile_inputs.py

The builders are the tests' (`s1mm_assets_tests/hostile.py`). Peak memory is the largest sum of the resident
memory of `s1mm extract` and all its descendants (workers, Ghostscript), sampled every 20 ms from /proc.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from s1mm_assets.lib.text import valid_text
from s1mm_assets_tests import hostile

ROOT = Path(__file__).resolve().parents[1]


def _tree_rss_kib(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total


def run(case: hostile.HostileCase, good: Path, out: Path) -> dict:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8:strict"}
    command = [sys.executable, "-m", "s1mm_assets.cli", "extract", str(case.paper), str(good), "--out", str(out)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss_kib(process.pid))
        time.sleep(0.02)
    stdout, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    figures = [json.loads(line) for line in stdout.decode("utf-8").splitlines()]
    problems = [json.loads(line) for line in stderr.decode("utf-8").splitlines()]
    name = valid_text(str(case.paper))
    printed = stdout + stderr + b"".join(path.read_bytes() for path in out.rglob("*") if path.is_file())
    return {
        "case": case.name,
        "exit": process.returncode,
        "wall_s": elapsed,
        "peak_mib": peak / 1024,
        "reasons": sorted({problem["problem"] for problem in problems if problem.get("paper") == name}),
        "figures": sum(figure["paper"] == name for figure in figures),
        "good_paper_figures": sum(figure["paper"] == str(good) for figure in figures),
        "leaked": any(secret.encode() in printed for secret in case.secrets),
        "written_outside": any(os.path.lexists(canary) for canary in case.canaries),
    }


def main() -> int:
    print(
        "| case | exit | wall s | peak MiB (tree) | quarantined with | its figures | good paper's figures | leaked |",
        end="",
    )
    print(" written outside |")
    print("|---|---|---|---|---|---|---|---|---|")
    failed = 0
    for builder in hostile.BUILDERS.values():
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            case = builder(root / "papers")
            good = hostile.good_paper(root / "papers")
            try:
                result = run(case, good, root / "out")
            finally:
                for path in case.planted:
                    path.unlink()
        failed += (
            result["exit"] != 0 or result["leaked"] or result["written_outside"] or not result["good_paper_figures"]
        )
        failed += result["wall_s"] > 90 or result["peak_mib"] > 1536
        print(
            f"| {result['case']} | {result['exit']} | {result['wall_s']:.1f} | {result['peak_mib']:.0f} | "
            f"{', '.join(result['reasons']) or '-'} | {result['figures']} | {result['good_paper_figures']} | "
            f"{'yes' if result['leaked'] else 'no'} | {'yes' if result['written_outside'] else 'no'} |",
            flush=True,
        )
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
