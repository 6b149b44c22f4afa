"""The `local` backend: papers the user brings, laid out as `<root>/<source>/<YYYY-MM>/`.

Each entry of a month folder is one paper: an archive (.tar.gz, .tgz, .tar, .zip), a .pdf, a .xml/.nxml, a
gzipped or plain .tex, or a plain folder holding a LaTeX tree or a JATS package. An optional sidecar
`<entry>.json` carries the listing metadata (`paper_id`, `title`, `abstract`, `authors`, `categories`,
`license`, `doi`, `url`, `published`); without one, the paper id is `<source>:<entry name without
extension>` and the pipeline reads title and abstract from the document itself.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from collections.abc import Iterator
from pathlib import Path

from s1mm_assets.lib.sources.base import CatalogEntry, PaperBundle, PaperMetadata, PaperSourceBackend
from s1mm_assets.lib.text import valid_text

_SIDECAR = ".json"
_PAPER_SUFFIX = re.compile(
    r"(\.tar\.gz|\.tar\.bz2|\.tar\.xz|\.tgz|\.tar|\.zip|\.pdf|\.nxml|\.xml|\.tex\.gz|\.gz|\.tex)$", re.IGNORECASE
)


class LocalFolderSource(PaperSourceBackend):
    name = "local"

    def __init__(self, root: str | Path):
        self.root = Path(root).expanduser()

    def catalog(self, source: str, month: str) -> Iterator[CatalogEntry]:
        folder = self.root / source / month
        if not folder.is_dir():
            return
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith(".") or (entry.is_file() and entry.name.endswith(_SIDECAR)):
                continue
            if entry.is_file() and not _PAPER_SUFFIX.search(entry.name):
                continue
            metadata = _sidecar(entry)
            stem = valid_text(_PAPER_SUFFIX.sub("", entry.name))  # a name that is not UTF-8 fits no table
            paper_id = metadata.pop("paper_id", None) or f"{source}:{stem}"
            filename = valid_text(f"{entry.name}.tar" if entry.is_dir() else entry.name)
            # The location is recorded in the lake too: a name that is not UTF-8 is written readably and found
            # again by that spelling when the paper is fetched.
            yield CatalogEntry(paper_id, filename, valid_text(str(entry)), PaperMetadata.from_dict(metadata))

    def bundle(self, source: str, month: str, entry: CatalogEntry) -> PaperBundle:
        path = _on_disk(Path(entry.location))
        content = _tar_folder(path) if path.is_dir() else path.read_bytes()
        return PaperBundle(entry.paper_id, source, month, entry.filename, content, entry.metadata)


def _on_disk(location: Path) -> Path:
    """The entry a recorded location names: itself, or the one in its folder whose name, made valid text, reads so."""
    if location.exists() or not location.parent.is_dir():
        return location
    spelt = str(location)
    return next((entry for entry in location.parent.iterdir() if valid_text(str(entry)) == spelt), location)


def _sidecar(entry: Path) -> dict:
    for candidate in (
        entry.with_name(entry.name + _SIDECAR),
        entry.with_name(_PAPER_SUFFIX.sub("", entry.name) + _SIDECAR),
    ):
        if candidate.is_file() and candidate != entry:
            return dict(json.loads(candidate.read_text(encoding="utf-8")))
    return {}


def _tar_folder(folder: Path) -> bytes:
    """A plain folder becomes an uncompressed tar with stable headers, so its sha256 is stable too."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        # A link is never followed: it could point anywhere on this machine (/etc/passwd, another paper).
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
            info = tarfile.TarInfo(path.relative_to(folder).as_posix())
            info.size = path.stat().st_size
            info.mode = 0o644
            with open(path, "rb") as handle:
                archive.addfile(info, handle)
    return buffer.getvalue()
