"""Extraction over papers on disk, outside the lake: what `s1mm extract` runs.

A path is a paper when it is a bundle file (archive, PDF, XML, TeX) or a folder that holds a paper unpacked (a
LaTeX main file or a JATS article at its top); any other folder is searched for papers below it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from s1mm_assets.lib.context import citing_sentences
from s1mm_assets.lib.extract import ExtractedFigure, Extraction, detect_kind, extract_files
from s1mm_assets.lib.extract.bundle import open_path

BUNDLE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip", ".gz", ".pdf", ".xml", ".nxml", ".tex")
IMAGE_EXTENSIONS = {"png": "png", "jpeg": "jpg"}
_UNPACKED_PAPER = re.compile(rb"\\documentclass|\\documentstyle|<article[\s>]")


def find_papers(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from _papers_below(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")


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


def write_image(figure: ExtractedFigure, folder: Path, paper: Path) -> tuple[Path, str]:
    """The figure's image as `<folder>/<paper>/<figure>.<ext>`; returns the path and the image's sha256."""
    digest = hashlib.sha256(figure.image.data).hexdigest()
    target = folder / _slug(paper.name) / f"{_slug(figure.figure_key)}.{IMAGE_EXTENSIONS[figure.image.format]}"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(figure.image.data)
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


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "paper"
