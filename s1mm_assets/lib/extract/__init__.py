"""Figure extraction from the three kinds of paper bundle: LaTeX source, JATS XML, PDF."""

from __future__ import annotations

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
    if kind == "latex" and not extraction.figures and files.names_with_suffix(".pdf"):
        # Submissions that only wrap a finished PDF (pdfpages) carry their figures inside that PDF.
        pdf_only = BundleFiles({name: files.files[name] for name in files.names_with_suffix(".pdf")[:1]})
        from_pdf = extract_pdf(pdf_only, dpi=dpi)
        if from_pdf.figures:
            from_pdf.title = extraction.title or from_pdf.title
            return from_pdf
    return extraction


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
