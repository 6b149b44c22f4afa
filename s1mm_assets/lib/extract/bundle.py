"""Open a paper bundle however it was packed, and recognise what is inside.

Bundles arrive as .tar.gz/.tgz/.tar, .zip (MECA), a single gzipped .tex (arXiv does that for one-file
papers), a bare .tex/.xml, or a PDF. The answer is a flat in-memory file map with the packaging junk removed
(`__MACOSX/`, AppleDouble `._*` files), and the kind of paper it holds.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import posixpath
import re
import tarfile
import zipfile
from pathlib import Path

# A decompression bomb guard: real source bundles stay far below this.
MAX_UNPACKED_BYTES = 1 << 30

_JATS_ROOT = re.compile(rb"<article[\s>]")
_LATEX_MAIN = re.compile(rb"\\documentclass|\\documentstyle")


class UnreadableBundle(ValueError):
    """The bundle is not an archive, document or file format we can open."""


@dataclasses.dataclass(frozen=True)
class BundleFiles:
    files: dict[str, bytes]  # normalised POSIX paths -> content

    def names_with_suffix(self, *suffixes: str) -> list[str]:
        return sorted(name for name in self.files if name.lower().endswith(suffixes))


def open_bundle(filename: str, content: bytes) -> BundleFiles:
    if content.startswith(b"%PDF"):
        return BundleFiles({_basename_or(filename, "paper.pdf"): content})
    if content[:2] == b"\x1f\x8b":
        unpacked = _gunzip(content)
        if _is_tar(unpacked):
            return BundleFiles(_read_tar(unpacked))
        inner = re.sub(r"\.(gz|tgz)$", "", _basename_or(filename, "main.tex"))
        if not inner.lower().endswith((".tex", ".xml", ".nxml", ".pdf")):
            inner = f"{inner}.pdf" if unpacked.startswith(b"%PDF") else f"{inner}.tex"
        return BundleFiles({inner: unpacked})
    if content[:4] == b"PK\x03\x04":
        return BundleFiles(_read_zip(content))
    if _is_tar(content):
        return BundleFiles(_read_tar(content))
    if _JATS_ROOT.search(content[:4096]) or _LATEX_MAIN.search(content):
        return BundleFiles({_basename_or(filename, "main.tex"): content})
    raise UnreadableBundle(f"{filename}: not a PDF, tar, zip, gzip, TeX or JATS file")


def read_folder(folder: Path) -> BundleFiles:
    """A bundle that arrives unpacked: every file below the folder, junk left out, paths relative to it."""
    files: dict[str, bytes] = {}
    total = 0
    for path in sorted(folder.rglob("*")):
        name = _keep(path.relative_to(folder).as_posix())
        if name is None or not path.is_file():
            continue
        total += path.stat().st_size
        if total > MAX_UNPACKED_BYTES:
            raise UnreadableBundle("bundle holds more than 1 GiB")
        files[name] = path.read_bytes()
    if not files:
        raise UnreadableBundle(f"{folder}: an empty folder")
    return BundleFiles(files)


def detect_kind(bundle: BundleFiles) -> str:
    """latex when there is a TeX main file, jats when there is an article XML, pdf when only a PDF remains."""
    for name in bundle.names_with_suffix(".tex", ".ltx"):
        if _LATEX_MAIN.search(bundle.files[name]):
            return "latex"
    for name in bundle.names_with_suffix(".xml", ".nxml"):
        if _JATS_ROOT.search(bundle.files[name][:4096]):
            return "jats"
    if bundle.names_with_suffix(".pdf"):
        return "pdf"
    raise UnreadableBundle(f"no LaTeX main file, JATS article or PDF among {sorted(bundle.files)[:10]}")


def _basename_or(filename: str, default: str) -> str:
    return posixpath.basename(filename) or default


def _gunzip(content: bytes) -> bytes:
    with gzip.GzipFile(fileobj=io.BytesIO(content)) as stream:
        unpacked = stream.read(MAX_UNPACKED_BYTES + 1)
    if len(unpacked) > MAX_UNPACKED_BYTES:
        raise UnreadableBundle("bundle unpacks to more than 1 GiB")
    return unpacked


def _is_tar(content: bytes) -> bool:
    return len(content) > 262 and content[257:262] == b"ustar" or _tar_opens(content)


def _tar_opens(content: bytes) -> bool:
    try:
        with tarfile.open(fileobj=io.BytesIO(content), mode="r:") as archive:
            return archive.next() is not None
    except tarfile.TarError:
        return False


def _keep(name: str) -> str | None:
    normalised = posixpath.normpath(name.replace("\\", "/")).lstrip("/")
    if normalised.startswith("..") or normalised in ("", "."):
        return None
    parts = normalised.split("/")
    if "__MACOSX" in parts or parts[-1].startswith("._") or parts[-1] == ".DS_Store":
        return None
    return normalised


def _read_tar(content: bytes) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    with tarfile.open(fileobj=io.BytesIO(content), mode="r:*") as archive:
        for member in archive:
            name = _keep(member.name)
            if not member.isfile() or name is None:
                continue
            total += member.size
            if total > MAX_UNPACKED_BYTES:
                raise UnreadableBundle("bundle unpacks to more than 1 GiB")
            stream = archive.extractfile(member)
            if stream is not None:
                files[name] = stream.read()
    return _strip_common_folder(files)


def _read_zip(content: bytes) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as error:
        raise UnreadableBundle(f"broken zip: {error}") from error
    with archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise UnreadableBundle("bundle unpacks to more than 1 GiB")
        for info in archive.infolist():
            name = _keep(info.filename)
            if not info.is_dir() and name is not None:
                files[name] = archive.read(info)
    return _strip_common_folder(files)


def _strip_common_folder(files: dict[str, bytes]) -> dict[str, bytes]:
    """Authors often tar the folder rather than its contents; paths inside the paper are relative to it."""
    while files:
        heads = {name.split("/", 1)[0] for name in files}
        if len(heads) != 1 or not all("/" in name for name in files):
            break
        files = {name.split("/", 1)[1]: data for name, data in files.items()}
    return files
