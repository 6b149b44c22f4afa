"""Mutations of real bundles for fuzzing extraction: bytes flipped, cut, repeated or spliced in, either in the file
as shipped or inside its archive (members' bytes, then packed again), so the parsers behind the unpacking see
damage too. Shared by the hypothesis test and `bench/fuzz_extraction.py`."""

from __future__ import annotations

import gzip
import io
import random
import tarfile
from pathlib import Path

# Small real bundles of every kind: LaTeX uploads (one with EPS figures), PDFs, a JATS package is read as a folder
# and is left to the corpus tests.
SEED_BUNDLES = (
    "latex-arxiv-filemanager/no_figures/upload3.tar.gz",
    "latex-arxiv-filemanager/with_figures/upload6.tgz",
    "latex-arxiv-filemanager/with_figures/Upload9BadFileNames.tar.gz",
    "latex-arxiv-filemanager/with_figures/with__MACOSX_hidden.tar.gz",
    "pdf-science-parse/mooney05.pdf",
    "pdf-science-parse/bunescu-acl07.pdf",
)
_INTERESTING = (b"\x00", b"\xff", b"{", b"}", b"\\", b"%", b"\\begin{figure}", b"\\input{", b"obj", b"stream", b"\xc3")


def seed_bundles(corpus: Path) -> list[tuple[str, bytes]]:
    return [(Path(name).name, (corpus / name).read_bytes()) for name in SEED_BUNDLES if (corpus / name).is_file()]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four mutations of the bytes; for a gzipped tar, of one member's bytes half of the time."""
    if data[:2] == b"\x1f\x8b" and rng.random() < 0.5:
        members = _members(data)
        if members:
            name = rng.choice(sorted(members))
            members[name] = _mutate_bytes(members[name], rng)
            return _pack(members)
    return _mutate_bytes(data, rng)


def _mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not buffer:
            buffer += rng.choice(_INTERESTING)
            continue
        position = rng.randrange(len(buffer))
        operation = rng.randrange(5)
        if operation == 0:
            buffer[position] ^= 1 << rng.randrange(8)
        elif operation == 1:
            del buffer[position:]  # truncated upload
        elif operation == 2:
            length = rng.randint(1, 4096)
            buffer[position:position] = buffer[position : position + length] * rng.randint(2, 50)
        elif operation == 3:
            buffer[position:position] = rng.choice(_INTERESTING) * rng.randint(1, 200)
        else:
            buffer[position : position + rng.randint(1, 64)] = rng.randbytes(rng.randint(1, 64))
    return bytes(buffer)


def _members(data: bytes) -> dict[str, bytes]:
    try:
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data)), mode="r:") as archive:
            return {
                member.name: archive.extractfile(member).read() for member in archive.getmembers() if member.isfile()
            }
    except (OSError, EOFError, tarfile.TarError):
        return {}


def _pack(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()
