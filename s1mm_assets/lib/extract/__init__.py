"""Figure extraction from the three kinds of paper bundle: LaTeX source, JATS XML, PDF."""

from __future__ import annotations

import re

from s1mm_assets.lib.extract.bundle import BundleFiles, UnreadableBundle, detect_kind, open_bundle
from s1mm_assets.lib.extract.jats import extract_jats
from s1mm_assets.lib.extract.latex import extract_latex
from s1mm_assets.lib.extract.pdf import extract_pdf
from s1mm_assets.lib.extract.records import ExtractedFigure, Extraction, FigureImage, FigureProblem, SubFigure

EXTRACTORS = {"latex": extract_latex, "jats": extract_jats, "pdf": extract_pdf}


def extract_bundle(filename: str, content: bytes, dpi: int = 150) -> Extraction:
    """Every figure of one paper; raises UnreadableBundle when the bundle cannot be opened at all."""
    files = open_bundle(filename, content)
    return extract_files(files, detect_kind(files), dpi=dpi)


def extract_files(files: BundleFiles, kind: str, dpi: int = 150) -> Extraction:
    extraction = EXTRACTORS[kind](files, dpi=dpi)
    if kind == "latex" and not extraction.figures and not any(problem.figure_key for problem in extraction.problems):
        # Submissions that only wrap a finished PDF (pdfpages) carry their figures inside that PDF.
        wrapped = _wrapped_pdfs(files)
        if wrapped:
            from_pdf = extract_pdf(BundleFiles(wrapped), dpi=dpi)
            if from_pdf.figures:
                from_pdf.title = extraction.title or from_pdf.title
                from_pdf.abstract = extraction.abstract or from_pdf.abstract
                return from_pdf
    return extraction


def _wrapped_pdfs(files: BundleFiles) -> dict[str, bytes]:
    """The PDFs the LaTeX pulls in with \\includepdf, else every PDF of the bundle."""
    included = set()
    for name in files.names_with_suffix(".tex"):
        for target in re.findall(rb"\\includepdf\s*(?:\[[^\]]*\])?\s*\{([^}]+)\}", files.files[name]):
            stem = target.decode("utf-8", "replace").strip()
            included |= {stem, f"{stem}.pdf"}
    pdfs = {name: files.files[name] for name in files.names_with_suffix(".pdf")}
    named = {name: data for name, data in pdfs.items() if name in included}
    return named or pdfs


__all__ = [
    "BundleFiles",
    "Extraction",
    "ExtractedFigure",
    "FigureImage",
    "FigureProblem",
    "SubFigure",
    "UnreadableBundle",
    "detect_kind",
    "extract_bundle",
    "open_bundle",
]
