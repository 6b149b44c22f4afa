"""The random Qwen3-VL checkpoint the vLLM tests and benchmarks serve: complete, and the same bytes every time."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from s1mm_assets.lib import settings
from s1mm_assets_tests.vllm.conftest import vllm_python
from s1mm_assets_tests.vllm_support.random_checkpoint import QWEN_SPECIAL_TOKENS

pytestmark = pytest.mark.vllm


def test_the_same_preset_and_seed_give_byte_identical_files(tiny_checkpoint: Path, tmp_path: Path):
    again = tmp_path / "again"
    subprocess.run(
        [vllm_python(), "-m", "s1mm_assets_tests.vllm_support.random_checkpoint", str(again), "--preset", "tiny"],
        cwd=settings.project_root(),
        check=True,
        capture_output=True,
        timeout=300,
    )
    names = sorted(path.name for path in tiny_checkpoint.iterdir())
    assert names == sorted(path.name for path in again.iterdir())
    assert {"config.json", "model.safetensors", "tokenizer.json", "processor_config.json"} <= set(names)
    for name in names:
        assert (again / name).read_bytes() == (tiny_checkpoint / name).read_bytes(), name


def test_the_model_refers_to_the_tokenizers_vision_tokens(tiny_checkpoint: Path):
    config = json.loads((tiny_checkpoint / "config.json").read_text())
    vocabulary = json.loads((tiny_checkpoint / "tokenizer.json").read_text())["added_tokens"]
    ids = {token["content"]: token["id"] for token in vocabulary}
    assert set(QWEN_SPECIAL_TOKENS) <= set(ids)
    assert config["image_token_id"] == ids["<|image_pad|>"]
    assert (config["vision_start_token_id"], config["vision_end_token_id"]) == (
        ids["<|vision_start|>"],
        ids["<|vision_end|>"],
    )
    assert config["text_config"]["head_dim"] >= 32  # vLLM's CPU attention needs it
    assert config["text_config"]["vocab_size"] > max(ids.values())
