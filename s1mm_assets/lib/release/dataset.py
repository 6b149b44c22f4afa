"""The dataset as a whole, at the top of the releases folder:

releases/
    README.md           the dataset card: every released partition, the report's statistics and charts
    charts/*.png        the report's charts
    manifest.json       the manifest of manifests: the sha256 of every release's own manifest.json, and of the card
                        and the charts
    <source>/<YYYY-MM>/ one release each (lib/stages/release.py), verified by its own manifest

`verify_dataset` checks the top level; each release folder is checked by `verify_release`. The folder may be on
object storage, where each release is read through its pointer (lib/lake.py, `published_folder`). A release made again
after the dataset's manifest was written shows as changed until the dataset report runs again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from fsspec import AbstractFileSystem

from s1mm_assets.lib.lake import Lake, is_temporary, sha256_hex
from s1mm_assets.lib.release.manifest import MANIFEST_NAME, IntegrityProblem, stream_sha256

DATASET_FORMAT = "s1mm-dataset/1"
CARD = "README.md"
CHARTS = "charts"


def dataset_manifest(releases: Mapping[str, Mapping], files: Mapping[str, bytes]) -> bytes:
    """The manifest of manifests: `releases` by "<source>/<YYYY-MM>" (each with its `manifest_sha256`, counts),
    and the sha256 and size of each top-level file (card, charts) given by its path in the folder."""
    manifest = {
        "format": DATASET_FORMAT,
        "n_releases": len(releases),
        "n_samples": sum(int(entry["n_samples"]) for entry in releases.values()),
        "releases": {key: dict(entry) for key, entry in sorted(releases.items())},
        "files": {name: {"sha256": sha256_hex(data), "bytes": len(data)} for name, data in sorted(files.items())},
    }
    return json.dumps(manifest, sort_keys=True, indent=1, ensure_ascii=False).encode() + b"\n"


def _as_lake(folder: Path | Lake) -> Lake:
    return folder if isinstance(folder, Lake) else Lake(str(folder))


def is_dataset_folder(folder: Path | Lake | AbstractFileSystem) -> bool:
    """Whether the folder (a local path, a lake rooted at it, or a filesystem rooted at it) holds a dataset
    manifest, rather than one release's or none."""
    files = folder if isinstance(folder, AbstractFileSystem) else _as_lake(folder).published_folder()
    try:
        return json.loads(files.cat_file(MANIFEST_NAME)).get("format") == DATASET_FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def release_folders(folder: Path | Lake) -> list[str]:
    """The release folders below a dataset folder (`<source>/<YYYY-MM>`, relative to it) that hold a manifest,
    staging areas left out."""
    return [key for key in _as_lake(folder).published_folders("", MANIFEST_NAME) if key.count("/") == 1]


def verify_dataset(folder: Path | Lake) -> list[IntegrityProblem]:
    """Every way the top of a dataset folder (a local path, or a lake rooted at it) differs from its manifest of
    manifests: a card or chart changed, missing or unlisted, a release's manifest that is not the one indexed, a
    release missing or not indexed."""
    dataset = _as_lake(folder)
    top = dataset.published_folder()
    try:
        manifest = json.loads(top.cat_file(MANIFEST_NAME))
        files, releases = manifest["files"], manifest["releases"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        return [IntegrityProblem(MANIFEST_NAME, f"unreadable dataset manifest: {error}")]
    problems = []
    for name, entry in sorted(files.items()):
        if not top.isfile(name):
            problems.append(IntegrityProblem(name, "missing"))
        elif stream_sha256(top, name) != entry.get("sha256") or top.size(name) != entry.get("bytes"):
            problems.append(IntegrityProblem(name, "sha256 differs"))
    top_level = [name for name in top.find("", maxdepth=1) if name != MANIFEST_NAME]
    top_level += top.find(CHARTS, maxdepth=1)
    for name in sorted(top_level):
        if name not in files and not is_temporary(name.rpartition("/")[2]):
            problems.append(IntegrityProblem(name, "not in manifest"))
    for key, entry in sorted(releases.items()):
        try:
            release_manifest = dataset.published_folder(key).cat_file(MANIFEST_NAME)
        except (FileNotFoundError, NotADirectoryError):
            problems.append(IntegrityProblem(key, "indexed release is missing"))
            continue
        if sha256_hex(release_manifest) != entry.get("manifest_sha256"):
            problems.append(
                IntegrityProblem(
                    f"{key}/{MANIFEST_NAME}",
                    "not the manifest the dataset indexes (released again since the dataset report? materialize "
                    "dataset_report)",
                )
            )
    for key in release_folders(dataset):
        if key not in releases:
            problems.append(IntegrityProblem(key, "release not in the dataset manifest (materialize dataset_report)"))
    return problems
