"""The integrity manifest of a release folder, and the check that a folder still matches it.

`manifest.json` lists the sha256 and size of every file and of every member inside every shard. The
manifest's own sha256 is recorded outside the folder (the lake's `releases` table), so a manifest edited to
match changed files is caught too. A folder is checked where it lies: on a local disk or, as an fsspec filesystem
rooted at the folder, on object storage.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

from fsspec import AbstractFileSystem
from fsspec.implementations.dirfs import DirFileSystem
from fsspec.implementations.local import LocalFileSystem

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "s1mm-release/1"
_CHUNK = 1 << 20


@dataclasses.dataclass(frozen=True)
class IntegrityProblem:
    path: str  # relative to the release folder
    problem: str  # "missing" | "sha256 differs" | "size differs" | "not in manifest" | ...

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def tar_member_digests(shard: Path | BinaryIO) -> dict[str, str]:
    """The sha256 of every member of a tar shard (a path, or a binary file object open on it)."""
    digests = {}
    opened = {"name": shard} if isinstance(shard, Path) else {"fileobj": shard}
    with tarfile.open(**opened, mode="r:") as archive:
        for member in archive:
            stream = archive.extractfile(member)
            if stream is not None:
                digests[member.name] = hashlib.sha256(stream.read()).hexdigest()
    return digests


def write_manifest(folder: Path, header: Mapping, shard_samples: Mapping[str, int]) -> tuple[str, dict]:
    """Describe every file now in `folder`; returns the manifest's own sha256 and the per-file entries."""
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST_NAME):
        name = path.relative_to(folder).as_posix()
        entry: dict = {"sha256": file_sha256(path), "bytes": path.stat().st_size}
        if name in shard_samples:
            entry["n_samples"] = shard_samples[name]
            entry["members"] = tar_member_digests(path)
        files[name] = entry
    manifest = {"format": MANIFEST_FORMAT, **header, "files": files}
    data = json.dumps(manifest, sort_keys=True, indent=1, ensure_ascii=False).encode() + b"\n"
    (folder / MANIFEST_NAME).write_bytes(data)
    return hashlib.sha256(data).hexdigest(), files


def as_filesystem(folder: Path | AbstractFileSystem) -> AbstractFileSystem:
    """A folder as a filesystem rooted at it (a local folder), or the filesystem as given."""
    if isinstance(folder, AbstractFileSystem):
        return folder
    return DirFileSystem(path=str(folder), fs=LocalFileSystem())


def stream_sha256(files: AbstractFileSystem, name: str) -> str:
    """The sha256 of a file, read in chunks (a shard may be a GiB)."""
    digest = hashlib.sha256()
    with files.open(name, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_release(
    folder: Path | AbstractFileSystem, expected_manifest_sha256: str | None = None
) -> list[IntegrityProblem]:
    """Every way the folder (a local path, or a filesystem rooted at the folder) differs from its manifest; empty
    when the release is intact."""
    files_here = as_filesystem(folder)
    try:
        manifest_data = files_here.cat_file(MANIFEST_NAME)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return [IntegrityProblem(MANIFEST_NAME, "missing")]
    problems = []
    if expected_manifest_sha256 and hashlib.sha256(manifest_data).hexdigest() != expected_manifest_sha256:
        problems.append(IntegrityProblem(MANIFEST_NAME, "sha256 differs from the one recorded at release"))
    try:
        manifest = json.loads(manifest_data)
        files: dict = manifest["files"]
    except (ValueError, KeyError, TypeError) as error:
        return problems + [IntegrityProblem(MANIFEST_NAME, f"unreadable: {error}")]
    present = set(files_here.find(""))
    for name, entry in sorted(files.items()):
        if name not in present:
            problems.append(IntegrityProblem(name, "missing"))
            continue
        if files_here.size(name) != entry.get("bytes"):
            problems.append(IntegrityProblem(name, "size differs"))
        if stream_sha256(files_here, name) != entry.get("sha256"):
            problems.append(IntegrityProblem(name, "sha256 differs"))
            if "members" in entry:
                problems += _member_problems(files_here, name, entry["members"])
    for name in sorted(present - set(files) - {MANIFEST_NAME}):
        problems.append(IntegrityProblem(name, "not in manifest"))
    return problems


def _member_problems(files: AbstractFileSystem, name: str, expected: Mapping[str, str]) -> list[IntegrityProblem]:
    try:
        with files.open(name, "rb") as handle:
            actual = tar_member_digests(handle)
    except (tarfile.TarError, OSError) as error:
        return [IntegrityProblem(name, f"not a readable tar: {error}")]
    problems = [
        IntegrityProblem(f"{name}/{member}", "sha256 differs")
        for member, digest in sorted(expected.items())
        if member in actual and actual[member] != digest
    ]
    problems += [IntegrityProblem(f"{name}/{member}", "missing") for member in sorted(set(expected) - set(actual))]
    problems += [
        IntegrityProblem(f"{name}/{member}", "not in manifest") for member in sorted(set(actual) - set(expected))
    ]
    return problems
