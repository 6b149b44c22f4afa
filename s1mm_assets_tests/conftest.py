from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.settings import StorageSettings, load_settings, setting_variables

if TYPE_CHECKING:
    from s1mm_assets_tests.sources.servers import S3Server

# ../shared/corpus beside the checkout; S1MM_CORPUS points a checkout elsewhere (e.g. a git worktree) at it.
CORPUS = Path(os.environ.get("S1MM_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus")

# The suite runs on the declared defaults whatever the caller's shell exports (test_settings proves it): every
# setting's variable is removed before anything reads the settings, and S1MM_HOME is a fresh folder, so neither
# the developer's environment nor their `.s1mm/config.toml` reaches a test. Tests that need a setting set it.
for _variable in setting_variables():
    os.environ.pop(_variable, None)
os.environ["S1MM_HOME"] = tempfile.mkdtemp(prefix="s1mm-test-home-")
atexit.register(shutil.rmtree, os.environ["S1MM_HOME"], ignore_errors=True)

# Tests never reach a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# xdist runs one worker per core; torch's own thread pool on top oversubscribes the cores (a tiny model's
# training step measured 25x slower with two threads per worker on two busy cores).
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture
def s1mm_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated S1MM_HOME and DAGSTER_HOME for one test; nothing touches the developer's .s1mm."""
    home = tmp_path / "s1mm-home"
    home.mkdir()
    monkeypatch.setenv("S1MM_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.delenv("S1MM_LAKE", raising=False)
    return home


@pytest.fixture
def lake(s1mm_home: Path) -> Lake:
    return Lake(str(s1mm_home / "lake"))


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 on 127.0.0.1, one per session; tests keep apart by bucket."""
    from s1mm_assets_tests.sources.servers import S3Server  # moto's server: imported by the tests that use it

    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture
def s3_lake_settings(s3_server: S3Server, s1mm_home: Path, monkeypatch: pytest.MonkeyPatch) -> StorageSettings:
    """S1MM_LAKE on a fresh bucket of the local S3 server, its endpoint and credentials in the lake's settings (as a
    user sets them), for everything that loads the settings from now on; returns the effective storage settings."""
    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=bucket)
    for variable, value in {
        "S1MM_LAKE": f"s3://{bucket}/s1mm",
        "S1MM_LAKE_ENDPOINT_URL": s3_server.endpoint_url,
        "S1MM_LAKE_REGION": "us-east-1",
        "S1MM_LAKE_ACCESS_KEY_ID": s3_server.access_key,
        "S1MM_LAKE_SECRET_ACCESS_KEY": s3_server.secret_key,
    }.items():
        monkeypatch.setenv(variable, value)
    return load_settings().storage


def corpus_folder(name: str) -> Path:
    folder = CORPUS / name
    if not folder.is_dir():
        pytest.skip(f"real-paper corpus not found at {folder} (it lives beside the project in ../shared/corpus)")
    return folder


def _tiny_models():
    pytest.importorskip("open_clip", reason="scoring models need the ml extra: pip install -e '.[ml]'")
    from s1mm_assets_tests import models

    return models


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random tiny open_clip model saved as a local open_clip folder."""
    return _tiny_models().save_tiny_clip(tmp_path_factory.mktemp("tiny-clip"))


@pytest.fixture(scope="session")
def trained_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny open_clip model trained to tell four kinds of synthetic figure apart by their description."""
    return _tiny_models().save_tiny_clip(tmp_path_factory.mktemp("trained-clip"), train_steps=60)


@pytest.fixture(scope="session")
def tiny_masked_lm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random tiny BertForMaskedLM with a locally trained WordPiece tokenizer, saved with save_pretrained."""
    return _tiny_models().save_tiny_masked_lm(tmp_path_factory.mktemp("tiny-mlm"))


@pytest.fixture(scope="session")
def trained_masked_lm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny masked LM trained on templated sentences, so word order matters to it."""
    return _tiny_models().save_tiny_masked_lm(tmp_path_factory.mktemp("trained-mlm"), train_steps=300)
