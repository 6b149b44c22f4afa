import os
from pathlib import Path

import pytest

from s1mm_assets.lib.lake import Lake

# ../shared/corpus beside the checkout; S1MM_CORPUS points a checkout elsewhere (e.g. a git worktree) at it.
CORPUS = Path(os.environ.get("S1MM_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus")

# Tests never reach a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


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


def corpus_folder(name: str) -> Path:
    folder = CORPUS / name
    if not folder.is_dir():
        pytest.skip(f"real-paper corpus not found at {folder} (it lives beside the project in ../shared/corpus)")
    return folder
