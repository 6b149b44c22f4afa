"""Figures, captions and mentions from a PDF (ChemRxiv, or any paper without source), with PyMuPDF.

Each page is read once (`pdf_layout`); captions are found by their labels (`pdf_captions`); each caption's
figure is the cluster of images, vector drawings and plot text next to it in its column (`pdf_regions`),
rendered at the requested resolution. When a figure number has several candidate captions (a caption and a
paragraph that opens with "Figure 3 ..."), the one with a figure beside it and the strongest caption evidence
wins. Body paragraphs, read in column order and joined across column and page breaks, that mention "Fig. N"
become the figure's citing paragraphs; text inside figures and running heads never does.
"""

from __future__ import annotations

import collections
import io
import re

import pymupdf
from PIL import Image

from s1mm_assets.lib.context import figure_numbers_mentioned
from s1mm_assets.lib.extract.bundle import BundleFiles
from s1mm_assets.lib.extract.images import MIN_SIDE, RENDER_ERRORS, fitting_dpi
from s1mm_assets.lib.extract.pdf_captions import Caption, find_captions, may_open_figure_caption
from s1mm_assets.lib.extract.pdf_layout import (
    Box,
    Page,
    area,
    body_text_size,
    contains,
    mark_running_heads,
    read_page,
)
from s1mm_assets.lib.extract.pdf_regions import (
    Columns,
    Region,
    candidate_regions,
    choose_region,
    find_columns,
    page_elements,
)
from s1mm_assets.lib.extract.pdf_text import Vocabulary, join_lines
from s1mm_assets.lib.extract.records import ExtractedFigure, Extraction, FigureImage, FigureProblem

_SCANNED_IMAGE_SHARE = 0.5
_PHOTOGRAPHIC_SHARE = 0.6  # regions this much covered by raster images are encoded as JPEG
_SENTENCE_END = re.compile(r"[.!?:][\"')\]\d,\s]*$")


def extract_pdf(bundle: BundleFiles, dpi: int = 150) -> Extraction:
    extraction = Extraction(extractor="pdf")
    names = bundle.names_with_suffix(".pdf")
    if not names:
        extraction.problems.append(FigureProblem("", "no_pdf", "no PDF in the bundle"))
        return extraction
    # Several PDFs (a paper and its supplement, or logos): the largest is the paper.
    name = max(names, key=lambda candidate: len(bundle.files[candidate]))
    try:
        document = pymupdf.open(stream=bundle.files[name], filetype="pdf")
    except (pymupdf.FileDataError, RuntimeError) as error:
        extraction.problems.append(FigureProblem("", "unreadable_pdf", str(error)))
        return extraction
    with document:
        if document.needs_pass:
            extraction.problems.append(FigureProblem("", "encrypted_pdf", "the PDF needs a password"))
            return extraction
        extract_document(document, extraction, dpi)
    # MuPDF keeps decoded images and fonts in a process-wide store (up to 256 MB) for reuse within a document;
    # across papers it only holds memory.
    pymupdf.TOOLS.store_shrink(100)
    return extraction


def extract_document(document: pymupdf.Document, extraction: Extraction, dpi: int) -> None:
    pages = [read_page(page, may_open_figure_caption) for page in document]
    if not any(page.blocks for page in pages):
        extraction.problems.append(FigureProblem("", "no_text_layer", "image-only (scanned) PDF"))
        return
    for page in pages:
        if not page.blocks and any(area(box) > _SCANNED_IMAGE_SHARE * page.width * page.height for box in page.images):
            extraction.problems.append(
                FigureProblem(f"page-{page.index + 1}", "scanned_page", f"page {page.index + 1} is an image only")
            )
    body_size = body_text_size(pages)
    mark_running_heads(pages)
    vocabulary = Vocabulary(line.text for page in pages for line in page.lines)
    columns = find_columns(pages, body_size)
    extraction.title = (document.metadata or {}).get("title") or _largest_text(pages[0])
    extraction.abstract = _abstract(pages[0], vocabulary)

    chosen = _choose_figures(pages, vocabulary, body_size, columns, extraction)
    for caption, region in chosen:
        page = pages[caption.page]
        # A region on a poster-sized page is rendered at a lower resolution, within the pixel budget; one that
        # still fails loses that figure, not the paper.
        resolution = fitting_dpi(region.box[2] - region.box[0], region.box[3] - region.box[1], dpi)
        try:
            pixmap = page.render(region.box, resolution)
        except RENDER_ERRORS as error:
            extraction.problems.append(FigureProblem(f"figure-{caption.number}", "render_failed", str(error)))
            continue
        budget_warnings = [f"rendered at {resolution:.0f} dpi to stay within the pixel budget"] * (resolution < dpi)
        if pixmap.width < MIN_SIDE or pixmap.height < MIN_SIDE:
            extraction.problems.append(
                FigureProblem(f"figure-{caption.number}", "figure_too_small", f"{pixmap.width}x{pixmap.height}")
            )
            continue
        photographic = _raster_share(page, region.box) >= _PHOTOGRAPHIC_SHARE
        extraction.figures.append(
            ExtractedFigure(
                figure_key=f"figure-{caption.number}",
                label=None,
                number=caption.number,
                caption=caption.text,
                image=encode_pixmap(pixmap, photographic),
                extractor="pdf",
                page=caption.page + 1,
                bbox=tuple(round(value, 2) for value in region.box),
                supplementary=caption.supplementary,
                warnings=budget_warnings,
            )
        )
    citing = _citing_paragraphs(pages, chosen, vocabulary, columns)
    for figure in extraction.figures:
        figure.citing_paragraphs = citing.get(figure.number or "", [])


def encode_pixmap(pixmap: pymupdf.Pixmap, photographic: bool) -> FigureImage:
    """JPEG for regions that are raster images (as the publisher embedded them, and ten times faster to
    encode), PNG for drawings, whose lines and text JPEG would smear."""
    if photographic:
        buffer = io.BytesIO()
        Image.frombytes("RGB", (pixmap.width, pixmap.height), pixmap.samples).save(buffer, format="JPEG", quality=92)
        return FigureImage(buffer.getvalue(), "jpeg", pixmap.width, pixmap.height)
    return FigureImage(pixmap.tobytes("png"), "png", pixmap.width, pixmap.height)


def _raster_share(page: Page, box: Box) -> float:
    covered = sum(area(_intersection(image, box)) for image in page.images)
    return min(1.0, covered / max(area(box), 1.0))


def _intersection(a: Box, b: Box) -> Box:
    return (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))


def _choose_figures(
    pages: list[Page], vocabulary: Vocabulary, body_size: float, columns: Columns, extraction: Extraction
) -> list[tuple[Caption, Region]]:
    """One caption and region per figure number, in page order."""
    found: list[tuple[Caption, list[Region]]] = []
    for page in pages:
        captions = find_captions(page, vocabulary, body_size)
        if not any(caption.kind == "figure" for caption in captions):
            continue
        elements = page_elements(page, captions, body_size, columns)
        for caption in captions:
            if caption.kind == "figure":
                found.append((caption, candidate_regions(caption, elements, columns, body_size)))
    # The side a document puts figures on, learnt from the captions with a figure on one side only.
    sides = collections.Counter(regions[0].side for _, regions in found if len(regions) == 1)
    prefer = sides.most_common(1)[0][0] if sides else None

    by_number: dict[str, list[tuple[Caption, Region | None]]] = {}
    for caption, regions in found:
        by_number.setdefault(caption.number, []).append((caption, choose_region(regions, caption, prefer)))
    chosen = []
    for number, candidates in by_number.items():
        with_region = [(caption, region) for caption, region in candidates if region is not None]
        if with_region:
            chosen.append(max(with_region, key=lambda item: (item[0].score, -item[0].page)))
            continue
        best = max(candidates, key=lambda item: item[0].score)[0]
        if best.score >= 2:
            extraction.problems.append(
                FigureProblem(
                    f"figure-{number}",
                    "no_figure_region",
                    f"page {best.page + 1}: caption without images or drawings beside it",
                )
            )
    chosen.sort(key=lambda item: (item[0].page, item[0].box[1]))
    return chosen


def _citing_paragraphs(
    pages: list[Page], chosen: list[tuple[Caption, Region]], vocabulary: Vocabulary, columns: Columns
) -> dict[str, list[str]]:
    citing: dict[str, list[str]] = {}
    numbers = {caption.number for caption, _ in chosen}
    for paragraph in _body_paragraphs(pages, chosen, vocabulary, columns):
        for mentioned in figure_numbers_mentioned(paragraph):
            # "Fig.1.1" is figure 1 and reference 1 in a paper that does not number figures by chapter.
            number = mentioned if mentioned in numbers else mentioned.split(".")[0]
            if paragraph not in citing.setdefault(number, []):
                citing[number].append(paragraph)
    return citing


def _body_paragraphs(
    pages: list[Page], chosen: list[tuple[Caption, Region]], vocabulary: Vocabulary, columns: Columns
) -> list[str]:
    """Text blocks outside figures, captions and running heads, in reading order, joined across column and
    page breaks; only paragraphs that could name a figure are put together as text."""
    groups: list[list[str]] = []  # the line texts of each paragraph
    for page in pages:
        regions = [region.box for caption, region in chosen if caption.page == page.index]
        regions += [caption.box for caption, _ in chosen if caption.page == page.index]
        for index in _reading_order(page, columns):
            block = page.blocks[index]
            if index in page.edge_blocks or block.words < 4:
                continue
            if any(contains(box, block.box, 2) for box in regions):
                continue
            lines = [line.text for line in block.lines]
            if groups and _continues(groups[-1][-1], lines[0]):
                groups[-1] += lines
            else:
                groups.append(lines)
    return [join_lines(lines, vocabulary) for lines in groups if any("fig" in line.lower() for line in lines)]


def _continues(previous_line: str, line: str) -> bool:
    return not _SENTENCE_END.search(previous_line.rstrip()) and line.lstrip()[:1].islower()


def _reading_order(page: Page, columns: Columns) -> list[int]:
    """Block indices column by column between the blocks that span the columns."""
    if len(columns.ranges) < 2:
        return sorted(range(len(page.blocks)), key=lambda index: (page.blocks[index].box[1], page.blocks[index].box[0]))
    middle = (columns.ranges[0][1] + columns.ranges[1][0]) / 2
    order: list[int] = []
    left: list[int] = []
    right: list[int] = []

    def flush() -> None:
        order.extend(sorted(left, key=lambda index: page.blocks[index].box[1]))
        order.extend(sorted(right, key=lambda index: page.blocks[index].box[1]))
        left.clear()
        right.clear()

    for index in sorted(range(len(page.blocks)), key=lambda index: page.blocks[index].box[1]):
        box: Box = page.blocks[index].box
        if box[2] <= middle + 4:
            left.append(index)
        elif box[0] >= middle - 4:
            right.append(index)
        else:
            flush()
            order.append(index)
    flush()
    return order


def _abstract(page: Page, vocabulary: Vocabulary) -> str:
    blocks = page.blocks
    for index, block in enumerate(blocks):
        text = join_lines([line.text for line in block.lines], vocabulary)
        if re.match(r"^\s*abstract\b", text, re.IGNORECASE):
            remainder = re.sub(r"^\s*abstract[\s.:\u2014-]*", "", text, flags=re.IGNORECASE)
            if len(remainder) < 40 and index + 1 < len(blocks):
                remainder = join_lines([line.text for line in blocks[index + 1].lines], vocabulary)
            return remainder
    return ""


def _largest_text(page: Page) -> str:
    spans = [span for line in page.lines for span in line.spans if span.text.strip()]
    if not spans:
        return ""
    size = max(span.size for span in spans)
    return re.sub(r"\s+", " ", " ".join(span.text.strip() for span in spans if abs(span.size - size) < 0.5)).strip()
