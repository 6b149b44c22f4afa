"""The integrity manifest of a release folder, and the check that a folder still matches it.

`manifest.json` lists the sha256 and size of every file and of every member inside every shard. The
manifest's own sha256 is recorded outside the folder (the lake's `releases` table), so a manifest edited to
match changed files is caught too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tarfile
from collections.abc import Mapping
from pathlib import Path

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


def tar_member_digests(path: Path) -> dict[str, str]:
    digests = {}
    with tarfile.open(path, mode="r:") as archive:
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


def verify_release(folder: Path, expected_manifest_sha256: str | None = None) -> list[IntegrityProblem]:
    """Every way the folder differs from its manifest; empty when the release is intact."""
    manifest_path = folder / MANIFEST_NAME
    if not manifest_path.is_file():
        return [IntegrityProblem(MANIFEST_NAME, "missing")]
    problems = []
    if expected_manifest_sha256 and file_sha256(manifest_path) != expected_manifest_sha256:
        problems.append(IntegrityProblem(MANIFEST_NAME, "sha256 differs from the one recorded at release"))
    try:
        manifest = json.loads(manifest_path.read_bytes())
        files: dict = manifest["files"]
    except (ValueError, KeyError, TypeError) as error:
        return problems + [IntegrityProblem(MANIFEST_NAME, f"unreadable: {error}")]
    for name, entry in sorted(files.items()):
        path = folder / name
        if not path.is_file():
            problems.append(IntegrityProblem(name, "missing"))
            continue
        if path.stat().st_size != entry.get("bytes"):
            problems.append(IntegrityProblem(name, "size differs"))
        if file_sha256(path) != entry.get("sha256"):
            problems.append(IntegrityProblem(name, "sha256 differs"))
            if "members" in entry:
                problems += _member_problems(path, name, entry["members"])
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    for name in sorted(present - set(files) - {MANIFEST_NAME}):
        problems.append(IntegrityProblem(name, "not in manifest"))
    return problems


def _member_problems(path: Path, name: str, expected: Mapping[str, str]) -> list[IntegrityProblem]:
    try:
        actual = tar_member_digests(path)
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
