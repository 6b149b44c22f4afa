"""Extraction over papers on disk, outside the lake: what `s1mm extract` runs.

A path is a paper when it is a bundle file (archive, PDF, XML, TeX) or a folder that holds a paper unpacked (a
LaTeX main file or a JATS article at its top); any other folder is searched for papers below it.

Each paper's images go to a folder of its own, named after the paper's path from the input it was found under
(`<input>/<sub-folders>/<paper>`): every PubMed Central folder holds a `fulltext.pdf`, and papers that share a
file name must not overwrite each other's images. Inputs of one run that share a name get `-2`, `-3`, ... in
the order given.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from s1mm_assets.lib.context import citing_sentences
from s1mm_assets.lib.extract import ExtractedFigure, Extraction, detect_kind, extract_files
from s1mm_assets.lib.extract.bundle import open_path

BUNDLE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip", ".gz", ".pdf", ".xml", ".nxml", ".tex")
IMAGE_EXTENSIONS = {"png": "png", "jpeg": "jpg"}
_UNPACKED_PAPER = re.compile(rb"\\documentclass|\\documentstyle|<article[\s>]")


def find_papers(paths: list[Path]) -> Iterator[tuple[Path, PurePosixPath]]:
    """Every paper under the given paths, with the folder (relative to the output folder) its images go to."""
    missing = [path for path in paths if not path.exists()]
    if missing:
        raise FileNotFoundError(f"{missing[0]}: no such file or folder")
    labels: dict[str, int] = {}
    for path in paths:
        label = _part(path.resolve().name or "input")
        labels[label] = labels.get(label, 0) + 1
        root = PurePosixPath(label if labels[label] == 1 else f"{label}-{labels[label]}")
        if path.is_file():
            yield path, root
            continue
        for paper in _papers_below(path):
            yield paper, root.joinpath(*(_part(part) for part in paper.relative_to(path).parts))


def _papers_below(folder: Path) -> Iterator[Path]:
    if _holds_unpacked_paper(folder):
        yield folder
        return
    for child in sorted(folder.iterdir()):
        if child.name.startswith(".") or child.name == "__MACOSX" or child.is_symlink():
            continue  # links inside a searched folder are a stranger's: never followed out of it
        if child.is_dir():
            yield from _papers_below(child)
        elif child.name.lower().endswith(BUNDLE_SUFFIXES):
            yield child


def _holds_unpacked_paper(folder: Path) -> bool:
    for child in folder.iterdir():
        if not child.is_symlink() and child.is_file() and child.suffix.lower() in (".tex", ".xml", ".nxml"):
            with child.open("rb") as handle:
                if _UNPACKED_PAPER.search(handle.read(65536)):
                    return True
    return False


def extract_path(path: Path, dpi: int = 150) -> Extraction:
    """One paper in this process, without the sandbox's limits (tests and benchmarks)."""
    files = open_path(path)
    return extract_files(files, detect_kind(files), dpi=dpi)


def write_image(figure: ExtractedFigure, folder: Path) -> tuple[Path, str]:
    """The figure's image as `<folder>/<figure>.<ext>`, written atomically; returns the path and its sha256."""
    digest = hashlib.sha256(figure.image.data).hexdigest()
    target = folder / f"{_part(figure.figure_key)}.{IMAGE_EXTENSIONS[figure.image.format]}"
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(figure.image.data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target, digest


def figure_record(paper: Path, figure: ExtractedFigure, image_path: Path, image_sha256: str) -> dict:
    return {
        "paper": str(paper),
        "figure": figure.figure_key,
        "label": figure.label,
        "number": figure.number,
        "caption": figure.caption,
        "image_path": str(image_path),
        "image_sha256": image_sha256,
        "width": figure.image.width,
        "height": figure.image.height,
        "extractor": figure.extractor,
        "page": figure.page,
        "bbox": list(figure.bbox) if figure.bbox else None,
        "citations": list(citing_sentences(figure.citing_paragraphs, figure.number)),
        "citing_paragraphs": list(figure.citing_paragraphs),
        "subfigures": [{"label": sub.label, "caption": sub.caption} for sub in figure.subfigures],
        "supplementary": figure.supplementary,
        "warnings": list(figure.warnings),
    }


def _part(name: str) -> str:
    """A file or folder name safe on any file system; names that had to change get a short hash of the original,
    so that two names never become one ("a b" and "a_b"). A name that is not UTF-8 is hashed by its bytes."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "paper"
    return safe if safe == name else f"{safe}-{hashlib.sha256(os.fsencode(name)).hexdigest()[:8]}"
