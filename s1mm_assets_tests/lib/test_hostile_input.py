"""Hostile and malformed papers cannot read, write, hang or exhaust anything (issue 14).

Each class of attack or accident (`s1mm_assets_tests/hostile.py`) goes through `s1mm extract` as a user runs it (a
process of its own, with a strict UTF-8 stdout), followed by a good paper in the same run. The run must complete,
the hostile paper (or its figure) is quarantined with the expected reason, nothing is written outside the output
folder, nothing planted outside the bundle shows up in any output, and the good paper still yields its figure.
The per-paper time limit is lowered for the cases that hang, so the suite does not wait a minute for each.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from s1mm_assets.lib.text import valid_text
from s1mm_assets_tests import hostile

ROOT = Path(__file__).resolve().parents[2]


def _tree(folder: Path, leave_out: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder below `folder` (links not followed) with its size and modification time."""
    found = {}
    for directory, folders, files in os.walk(folder):
        if Path(directory) == leave_out or leave_out in Path(directory).parents:
            continue
        for name in folders + files:
            path = Path(directory, name)
            if path != leave_out:
                status = path.lstat()
                found[str(path)] = (status.st_size, status.st_mtime_ns)
    return found


def run_extract(papers: list[Path], out: Path, timeout_s: float) -> tuple[list[dict], list[dict], bytes]:
    """`s1mm extract` in a process of its own: its figure lines, its problem lines, and all it printed."""
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYTHONIOENCODING": "utf-8:strict",
        "S1MM_PAPER_TIMEOUT_S": str(timeout_s),
    }
    result = subprocess.run(
        [sys.executable, "-m", "s1mm_assets.cli", "extract", *map(str, papers), "--out", str(out)],
        capture_output=True,
        env=environment,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")[-3000:]
    # Every line is valid UTF-8 JSON, whatever the names were.
    figures = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    problems = [json.loads(line) for line in result.stderr.decode("utf-8").splitlines()]
    return figures, problems, result.stdout + result.stderr


@pytest.mark.parametrize("builder", list(hostile.BUILDERS.values()), ids=list(hostile.BUILDERS))
def test_a_hostile_paper_is_contained_and_the_next_paper_proceeds(builder, tmp_path: Path):
    papers = tmp_path / "papers"
    papers.mkdir()
    case = builder(papers)
    good = hostile.good_paper(papers)
    out = tmp_path / "out"
    before = _tree(tmp_path, out)
    try:
        figures, problems, printed = run_extract(
            [case.paper, good], out, timeout_s=5 if "timeout" in case.reasons else 60
        )
        assert _tree(tmp_path, out) == before, "something was written outside the output folder"
        assert not [canary for canary in case.canaries if os.path.lexists(canary)], "a file was written outside"
    finally:
        for path in case.planted:
            path.unlink()

    name = valid_text(str(case.paper))
    reasons = {problem["problem"] for problem in problems if problem.get("paper") == name}
    if case.reasons:
        assert reasons & case.reasons, problems
    hostile_figures = [figure for figure in figures if figure["paper"] == name]
    assert len(hostile_figures) == case.figures, (hostile_figures, problems)
    if case.warning:
        assert any(case.warning in warning for figure in hostile_figures for warning in figure["warnings"])
    [good_figure] = [figure for figure in figures if figure["paper"] == str(good)]
    assert good_figure["caption"] == hostile.GOOD_CAPTION
    assert Path(good_figure["image_path"]).is_file()

    written = [path for path in out.rglob("*") if path.is_file()]
    assert all(out in path.parents for path in written)
    for secret in case.secrets:
        assert secret.encode() not in printed
        assert not [path for path in written if secret.encode() in path.read_bytes()]
