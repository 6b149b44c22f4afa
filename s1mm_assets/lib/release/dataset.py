"""The dataset as a whole, at the top of the releases folder:

releases/
    README.md           the dataset card: every released partition, the report's statistics and charts
    charts/*.png        the report's charts
    manifest.json       the manifest of manifests: the sha256 of every release's own manifest.json, and of the card
                        and the charts
    <source>/<YYYY-MM>/ one release each (lib/stages/release.py), verified by its own manifest

`verify_dataset` checks the top level; each release folder is checked by `verify_release`. A release made again
after the dataset's manifest was written shows as changed until the dataset report runs again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from s1mm_assets.lib.lake import is_temporary, sha256_hex
from s1mm_assets.lib.release.manifest import MANIFEST_NAME, IntegrityProblem, file_sha256

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


def is_dataset_folder(folder: Path) -> bool:
    """Whether `folder` holds a dataset manifest (rather than one release's, or none)."""
    try:
        return json.loads((folder / MANIFEST_NAME).read_bytes()).get("format") == DATASET_FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def release_folders(folder: Path) -> list[Path]:
    """The release folders (`<source>/<YYYY-MM>/` with a manifest) below a dataset folder, staging areas left out."""
    return sorted(
        manifest.parent
        for manifest in folder.glob(f"*/*/{MANIFEST_NAME}")
        if not any(is_temporary(part) for part in manifest.relative_to(folder).parts)
    )


def verify_dataset(folder: Path) -> list[IntegrityProblem]:
    """Every way the top of a dataset folder differs from its manifest of manifests: a card or chart changed,
    missing or unlisted, a release's manifest that is not the one indexed, a release missing or not indexed."""
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_bytes())
        files, releases = manifest["files"], manifest["releases"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        return [IntegrityProblem(MANIFEST_NAME, f"unreadable dataset manifest: {error}")]
    problems = []
    for name, entry in sorted(files.items()):
        path = folder / name
        if not path.is_file():
            problems.append(IntegrityProblem(name, "missing"))
        elif file_sha256(path) != entry.get("sha256") or path.stat().st_size != entry.get("bytes"):
            problems.append(IntegrityProblem(name, "sha256 differs"))
    top_level = [path for path in folder.iterdir() if path.is_file() and path.name != MANIFEST_NAME]
    top_level += [path for path in (folder / CHARTS).glob("*") if path.is_file()]
    for path in sorted(top_level):
        name = path.relative_to(folder).as_posix()
        if name not in files and not is_temporary(path.name):
            problems.append(IntegrityProblem(name, "not in manifest"))
    for key, entry in sorted(releases.items()):
        release_manifest = folder / key / MANIFEST_NAME
        if not release_manifest.is_file():
            problems.append(IntegrityProblem(key, "indexed release is missing"))
        elif file_sha256(release_manifest) != entry.get("manifest_sha256"):
            problems.append(
                IntegrityProblem(
                    f"{key}/{MANIFEST_NAME}",
                    "not the manifest the dataset indexes (released again since the dataset report? materialize "
                    "dataset_report)",
                )
            )
    for release in release_folders(folder):
        key = release.relative_to(folder).as_posix()
        if key not in releases:
            problems.append(IntegrityProblem(key, "release not in the dataset manifest (materialize dataset_report)"))
    return problems
