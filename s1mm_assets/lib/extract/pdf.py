"""Figures, captions and mentions from a PDF (ChemRxiv, or any paper without source), with PyMuPDF.

A caption is a text block that opens with "Figure N." / "Fig. N:" and the like. Its figure is the cluster of
raster images and vector drawings right above it in the same column, widened by the short text blocks inside
that area (tick labels, legends) so the rendered region shows the whole plot. Body paragraphs that mention
"Fig. N" become the figure's citing paragraphs.
"""

from __future__ import annotations

import re

import pymupdf

from s1mm_assets.lib.extract.bundle import BundleFiles
from s1mm_assets.lib.extract.records import ExtractedFigure, Extraction, FigureImage, FigureProblem

CAPTION_START = re.compile(
    r"^\s*(?:Supplementary\s+|Extended\s+Data\s+)?(?:Figure|Fig\.?|FIGURE|FIG\.?)\s*(S?\d+)\s*[.:|\u2014\u2013-]\s*",
)
MENTION = re.compile(r"\b(?:Figure|Fig\.|Figs\.|Figures)\s*(S?\d+)", re.IGNORECASE)
_TEXT_FLAGS = pymupdf.TEXT_DEHYPHENATE | pymupdf.TEXT_MEDIABOX_CLIP
_MIN_GRAPHIC_SIDE = 24.0  # points; smaller drawings are rules and bullets, not figures
_LABEL_TEXT_CHARS = 60  # text blocks this short inside a figure area are tick labels or legends


def extract_pdf(bundle: BundleFiles, dpi: int = 150) -> Extraction:
    extraction = Extraction(extractor="pdf")
    names = bundle.names_with_suffix(".pdf")
    if not names:
        extraction.problems.append(FigureProblem("", "no_pdf", "no PDF in the bundle"))
        return extraction
    try:
        document = pymupdf.open(stream=bundle.files[names[0]], filetype="pdf")
    except (pymupdf.FileDataError, RuntimeError) as error:
        extraction.problems.append(FigureProblem("", "unreadable_pdf", str(error)))
        return extraction
    with document:
        pages = [_read_page(page) for page in document]
        if not any(page.text_blocks for page in pages):
            extraction.problems.append(FigureProblem("", "no_text_layer", "image-only (scanned) PDF"))
            return extraction
        extraction.title = (document.metadata or {}).get("title") or _largest_text(document[0])
        extraction.abstract = _abstract(pages[0])
        figure_regions: dict[int, list[pymupdf.Rect]] = {}
        seen_numbers: set[str] = set()
        for page_index, (page, layout) in enumerate(zip(document, pages, strict=True)):
            for caption_rect, caption_text, number in layout.captions:
                if number in seen_numbers:
                    continue
                region = _figure_region(layout, caption_rect)
                key = f"figure-{number}"
                if region is None:
                    extraction.problems.append(
                        FigureProblem(
                            key, "no_figure_region", f"page {page_index + 1}: caption without graphics above it"
                        )
                    )
                    continue
                seen_numbers.add(number)
                figure_regions.setdefault(page_index, []).append(region)
                pixmap = page.get_pixmap(clip=region, dpi=dpi, alpha=False)
                extraction.figures.append(
                    ExtractedFigure(
                        figure_key=key,
                        label=None,
                        number=number,
                        caption=CAPTION_START.sub("", caption_text, count=1).strip(),
                        image=FigureImage(pixmap.tobytes("png"), "png", pixmap.width, pixmap.height),
                        extractor="pdf",
                        page=page_index + 1,
                        bbox=tuple(round(value, 2) for value in region),
                    )
                )
        mentions = _mentions(pages, figure_regions)
        for figure in extraction.figures:
            figure.citing_paragraphs = mentions.get(figure.number or "", [])
    return extraction


class _PageLayout:
    def __init__(
        self,
        text_blocks: list[tuple[pymupdf.Rect, str]],
        graphics: list[pymupdf.Rect],
        captions: list[tuple[pymupdf.Rect, str, str]],
    ):
        self.text_blocks = text_blocks
        self.graphics = graphics
        self.captions = captions


def _read_page(page: pymupdf.Page) -> _PageLayout:
    text_blocks = []
    for block in page.get_text("blocks", flags=_TEXT_FLAGS, sort=True):
        x0, y0, x1, y1, text, _, block_type = block
        if block_type == 0 and text.strip():
            text_blocks.append((pymupdf.Rect(x0, y0, x1, y1), re.sub(r"\s+", " ", text).strip()))
    graphics = [pymupdf.Rect(info["bbox"]) for info in page.get_image_info()]
    graphics += list(page.cluster_drawings())
    graphics = [
        rect
        for rect in graphics
        if rect.width >= _MIN_GRAPHIC_SIDE
        and rect.height >= _MIN_GRAPHIC_SIDE
        and rect.get_area() < page.rect.get_area() * 0.95
    ]
    captions = []
    for rect, text in text_blocks:
        match = CAPTION_START.match(text)
        if match:
            captions.append((rect, text, match.group(1)))
    return _PageLayout(text_blocks, graphics, captions)


def _figure_region(layout: _PageLayout, caption: pymupdf.Rect) -> pymupdf.Rect | None:
    above = [
        rect
        for rect in layout.graphics
        if rect.y1 <= caption.y0 + 4 and _overlap(rect.x0, rect.x1, caption.x0, caption.x1) > 0
    ]
    if not above:
        return None
    # Text between the figure and its caption ends the search: graphics above body text belong elsewhere.
    closest = max(above, key=lambda rect: rect.y1)
    region = pymupdf.Rect(closest)
    for rect in sorted(above, key=lambda rect: -rect.y1):
        if rect.y1 >= region.y0 - 12:
            region |= rect
    for rect, text in layout.text_blocks:
        if len(text) <= _LABEL_TEXT_CHARS and rect.intersects(region + (-18, -18, 18, 18)) and rect.y1 <= caption.y0:
            region |= rect
    return region + (-2, -2, 2, 2)


def _mentions(pages: list[_PageLayout], figure_regions: dict[int, list[pymupdf.Rect]]) -> dict[str, list[str]]:
    mentions: dict[str, list[str]] = {}
    for page_index, layout in enumerate(pages):
        regions = figure_regions.get(page_index, [])
        caption_rects = [rect for rect, _, _ in layout.captions]
        for rect, text in layout.text_blocks:
            if rect in caption_rects or any(region.contains(rect) for region in regions):
                continue
            for number in dict.fromkeys(MENTION.findall(text)):
                mentions.setdefault(number, []).append(text)
    return mentions


def _abstract(layout: _PageLayout) -> str:
    for index, (_, text) in enumerate(layout.text_blocks):
        if re.match(r"^\s*abstract\b", text, re.IGNORECASE):
            remainder = re.sub(r"^\s*abstract[\s.:\u2014-]*", "", text, flags=re.IGNORECASE)
            if len(remainder) < 40 and index + 1 < len(layout.text_blocks):
                remainder = layout.text_blocks[index + 1][1]
            return remainder
    return ""


def _largest_text(page: pymupdf.Page) -> str:
    spans = [
        span
        for block in page.get_text("dict", flags=_TEXT_FLAGS)["blocks"]
        for line in block.get("lines", [])
        for span in line["spans"]
        if span["text"].strip()
    ]
    if not spans:
        return ""
    size = max(span["size"] for span in spans)
    return " ".join(span["text"].strip() for span in spans if abs(span["size"] - size) < 0.5)


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))
