"""Open a paper bundle however it was packed, and recognise what is inside.

Bundles arrive as .tar.gz/.tgz/.tar, .zip (MECA), a single gzipped .tex (arXiv does that for one-file
papers), a bare .tex/.xml, or a PDF. The answer is a flat in-memory file map with the packaging junk removed
(`__MACOSX/`, AppleDouble `._*` files), and the kind of paper it holds.
"""

from __future__ import annotations

import codecs
import dataclasses
import errno
import gzip
import io
import os
import posixpath
import re
import stat
import tarfile
import zipfile
import zlib
from pathlib import Path

from s1mm_assets.lib.extract import budgets
from s1mm_assets.lib.text import valid_text

_JATS_ROOT = re.compile(rb"<article[\s>]")
_LATEX_MAIN = re.compile(rb"\\documentclass|\\documentstyle")
_CHUNK = 1 << 20
# What a broken archive raises from the standard library's readers, besides their own error classes.
_BROKEN = (EOFError, OSError, zlib.error, tarfile.TarError, zipfile.BadZipFile, NotImplementedError, RuntimeError)


class UnreadableBundle(ValueError):
    """The bundle is not an archive, document or file format we can open."""


@dataclasses.dataclass(frozen=True)
class BundleFiles:
    files: dict[str, bytes]  # normalised POSIX paths -> content

    def names_with_suffix(self, *suffixes: str) -> list[str]:
        return sorted(name for name in self.files if name.lower().endswith(suffixes))


def decode_text(data: bytes) -> str:
    """Text as authors save it: UTF-8, with any byte that is not part of valid UTF-8 read as Windows-1252 (else
    Latin-1) on its own, so one stray Latin-1 byte never turns the file's valid UTF-8 into mojibake."""
    return data.decode("utf-8", errors=_SINGLE_BYTE_FALLBACK)


def _single_byte(error: UnicodeDecodeError) -> tuple[str, int]:
    byte = error.object[error.start : error.start + 1]
    try:
        return byte.decode("cp1252"), error.start + 1
    except UnicodeDecodeError:
        return byte.decode("latin-1"), error.start + 1


_SINGLE_BYTE_FALLBACK = "s1mm-single-byte-fallback"
codecs.register_error(_SINGLE_BYTE_FALLBACK, _single_byte)


def member_name(name: str) -> str:
    """A name from a tar header or a folder as the LaTeX that references it reads it: bytes that are not UTF-8
    (kept by Python as lone surrogates) decoded as `decode_text` decodes a .tex, so `\\includegraphics{café}`
    written in Latin-1 finds the Latin-1 `café.png`."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return valid_text(decode_text(name.encode("utf-8", "surrogateescape")))
    return name


def open_bundle(filename: str, content: bytes) -> BundleFiles:
    if content.startswith(b"%PDF"):
        return BundleFiles({_basename_or(filename, "paper.pdf"): content})
    if content[:2] == b"\x1f\x8b":
        if _is_tar(_gunzip(content, limit=tarfile.BLOCKSIZE)):
            return BundleFiles(_read_tar(content))
        unpacked = _gunzip(content)
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
    raise UnreadableBundle(f"{valid_text(filename)}: not a PDF, tar, zip, gzip, TeX or JATS file")


def open_path(path: Path) -> BundleFiles:
    """A bundle on disk: a folder, read as `read_folder` reads it, or a bundle file, read within the budget."""
    if path.is_dir():
        return read_folder(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise UnreadableBundle(f"{valid_text(str(path))}: {error.strerror}") from error
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise UnreadableBundle(f"{valid_text(str(path))}: not a regular file")
        content = _read_counted(stream, _Budget())
    return open_bundle(path.name, content)


def read_folder(folder: Path) -> BundleFiles:
    """A bundle that arrives unpacked: every regular file below the folder, junk left out, paths relative to it.
    Links are followed only to files inside the folder: a link to a system file, or out of the folder by any
    route, is left out. Files are opened without following links and read by the bytes they hold, within the
    unpacked-size budget."""
    root = os.path.realpath(folder)
    budget = _Budget()
    files: dict[str, bytes] = {}
    for directory, _, names, directory_fd in os.fwalk(root, follow_symlinks=False):
        for entry in sorted(names):
            relative = os.path.relpath(os.path.join(directory, entry), root)
            name = _keep(member_name(relative).replace(os.sep, "/"))
            if name is None:
                continue
            data = _read_inside(root, directory, entry, directory_fd, budget)
            if data is not None:
                files[name] = data
    if not files:
        raise UnreadableBundle(f"{valid_text(str(folder))}: no readable file in the folder")
    return BundleFiles(files)


def _read_inside(root: str, directory: str, entry: str, directory_fd: int, budget: _Budget) -> bytes | None:
    """The content of a regular file, or of the regular file a link inside `root` points to; None otherwise."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK  # O_NONBLOCK: opening a FIFO must not hang
    try:
        descriptor = os.open(entry, flags, dir_fd=directory_fd)
    except OSError as error:
        if error.errno != errno.ELOOP:
            return None
        target = os.path.realpath(os.path.join(directory, entry))
        if os.path.commonpath([root, target]) != root:
            return None
        try:
            descriptor = os.open(target, flags)
        except OSError:
            return None
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        return _read_counted(stream, budget)


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
    return valid_text(posixpath.basename(filename)) or default


class _Budget:
    """What a bundle may unpack to, charged with the bytes actually read (never the sizes its headers claim)."""

    def __init__(self) -> None:
        self.left = budgets.active().bundle_max_unpacked_bytes

    def charge(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            limit = budgets.active().bundle_max_unpacked_bytes >> 20
            raise UnreadableBundle(f"bundle unpacks to more than {limit} MiB (the extraction limit)")


def _read_counted(stream: io.BufferedIOBase, budget: _Budget) -> bytes:
    chunks = []
    while chunk := stream.read(_CHUNK):
        budget.charge(len(chunk))
        chunks.append(chunk)
    return b"".join(chunks)


def _gunzip(content: bytes, limit: int | None = None) -> bytes:
    """The decompressed content (its first `limit` bytes), read in bounded chunks within the budget."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(content)) as stream:
            if limit is not None:
                return stream.read(limit)
            return _read_counted(stream, _Budget())
    except _BROKEN as error:
        raise UnreadableBundle(f"broken gzip: {error}") from error


def _is_tar(content: bytes) -> bool:
    if len(content) > 262 and content[257:262] == b"ustar":
        return True
    try:
        tarfile.TarInfo.frombuf(content[: tarfile.BLOCKSIZE], "utf-8", "surrogateescape")
    except (tarfile.TarError, ValueError):
        return False
    return True


def _keep(name: str) -> str | None:
    normalised = posixpath.normpath(name.replace("\\", "/")).lstrip("/")
    if normalised.startswith("..") or normalised in ("", "."):
        return None
    parts = normalised.split("/")
    if "__MACOSX" in parts or parts[-1].startswith("._") or parts[-1] == ".DS_Store":
        return None
    return normalised


def _read_tar(content: bytes) -> dict[str, bytes]:
    """Members in one streaming pass (a gzipped tar is never held decompressed as a whole); links, devices and
    other non-files are skipped."""
    files: dict[str, bytes] = {}
    budget = _Budget()
    try:
        with tarfile.open(fileobj=io.BytesIO(content), mode="r|*") as archive:
            for member in archive:
                name = _keep(member_name(member.name))
                if not member.isfile() or name is None:
                    continue
                budget.charge(member.size)  # a member's data is at most its header's size
                stream = archive.extractfile(member)
                if stream is not None:
                    files[name] = stream.read()
    except _BROKEN as error:
        raise UnreadableBundle(f"broken tar: {error}") from error
    return _strip_common_folder(files)


def _read_zip(content: bytes) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    budget = _Budget()
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for info in archive.infolist():
                name = _keep(info.filename)
                if info.is_dir() or name is None or _is_link(info):
                    continue
                with archive.open(info) as stream:
                    files[name] = _read_counted(stream, budget)
    except _BROKEN as error:
        raise UnreadableBundle(f"broken zip: {error}") from error
    return _strip_common_folder(files)


def _is_link(info: zipfile.ZipInfo) -> bool:
    """A symbolic link stored by Info-ZIP (Unix mode in the high bits of the external attributes)."""
    return stat.S_ISLNK(info.external_attr >> 16)


def _strip_common_folder(files: dict[str, bytes]) -> dict[str, bytes]:
    """Authors often tar the folder rather than its contents; paths inside the paper are relative to it."""
    while files:
        heads = {name.split("/", 1)[0] for name in files}
        if len(heads) != 1 or not all("/" in name for name in files):
            break
        files = {name.split("/", 1)[1]: data for name, data in files.items()}
    return files
