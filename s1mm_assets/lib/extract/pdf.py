"""Figures, captions and mentions from a PDF (ChemRxiv, or any paper without source), with PyMuPDF.

Each page is read once (`pdf_layout`); captions are found by their labels (`pdf_captions`); each caption's
figure is the cluster of images, vector drawings and plot text next to it in its column (`pdf_regions`),
rendered at the requested resolution (`Page.render`, the one place a page region becomes pixels). When a figure
number has several candidate captions (a caption and a paragraph that opens with "Figure 3 ..."), the one with
a figure beside it and the strongest caption evidence wins; a figure that carries only its label takes the
caption set on the facing page. Two captions never share a figure. Body paragraphs, read in column order and
joined across column and page breaks, that mention "Fig. N" become the figure's citing paragraphs; text inside
figures and running heads never does.
"""

from __future__ import annotations

import collections
import dataclasses
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
    distance,
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
    pages: list[Page], vocabulary: Vocabulary, body_size: float, columns: list[Columns], extraction: Extraction
) -> list[tuple[Caption, Region]]:
    """One caption and region per figure number, in page order."""
    found: list[tuple[Caption, list[Region]]] = []
    for page in pages:
        captions = find_captions(page, vocabulary, body_size)
        if not any(caption.kind == "figure" for caption in captions):
            continue
        elements = page_elements(page, captions, body_size, columns[page.index])
        for caption in captions:
            if caption.kind == "figure":
                others = [other.box for other in captions if other is not caption]
                found.append((caption, candidate_regions(caption, elements, columns[page.index], body_size, others)))
    # The side a document puts figures on, learnt from the captions with a figure on one side only; on a tie,
    # above the caption, as most publishers set them.
    sides = collections.Counter(regions[0].side for _, regions in found if len(regions) == 1)
    prefer = max(sides, key=lambda side: (sides[side], side == "above")) if sides else None

    by_number: dict[str, list[tuple[Caption, list[Region], Region | None]]] = {}
    for caption, regions in found:
        by_number.setdefault(caption.number, []).append((caption, regions, choose_region(regions, caption, prefer)))
    chosen: list[tuple[Caption, list[Region], Region | None]] = []
    for candidates in by_number.values():
        with_region = [candidate for candidate in candidates if candidate[2] is not None]
        if with_region:
            best_with_region = max(with_region, key=lambda item: (item[0].score, -item[0].page))
            chosen.append(_with_facing_text(best_with_region, candidates))
            continue
        best = max(candidates, key=lambda item: item[0].score)[0]
        if best.score >= 2:
            _no_region(extraction, best)
    figures = []
    for caption, _, region in _apart(chosen, prefer):
        if region is None:
            _no_region(extraction, caption)
        else:
            figures.append((caption, region))
    figures.sort(key=lambda item: (item[0].page, item[0].box[1]))
    return figures


def _with_facing_text(
    chosen: tuple[Caption, list[Region], Region | None], candidates: list[tuple[Caption, list[Region], Region | None]]
) -> tuple[Caption, list[Region], Region | None]:
    """A full-page figure carries only its label ("Fig. 1") and its caption is set on the facing page, with no
    figure beside it: the figure takes that caption's text."""
    caption, regions, region = chosen
    if len(caption.text.split()) >= 3:
        return chosen
    facing = [
        other
        for other, _, other_region in candidates
        if other_region is None
        and abs(other.page - caption.page) == 1
        and other.score >= 2
        and len(other.text) > len(caption.text)
    ]
    if not facing:
        return chosen
    return dataclasses.replace(caption, text=max(facing, key=lambda other: other.score).text), regions, region


def _no_region(extraction: Extraction, caption: Caption) -> None:
    extraction.problems.append(
        FigureProblem(
            f"figure-{caption.number}",
            "no_figure_region",
            f"page {caption.page + 1}: caption without images or drawings beside it",
        )
    )


def _apart(
    chosen: list[tuple[Caption, list[Region], Region | None]], prefer: str | None
) -> list[tuple[Caption, list[Region], Region | None]]:
    """Two captions never share a figure. Where their regions overlap, each keeps the part in its own column
    (the widening took in its neighbour); failing that, the likelier caption keeps the region (a caption
    rather than a sentence, on the document's side, nearer) and the other takes its figure on its other side,
    or none."""
    chosen = list(chosen)
    for first in range(len(chosen)):
        for second in range(first + 1, len(chosen)):
            (caption_a, regions_a, a), (caption_b, regions_b, b) = chosen[first], chosen[second]
            if a is None or b is None or caption_a.page != caption_b.page or not _overlapping(a.box, b.box):
                continue
            if a.in_column or b.in_column:
                narrow_a, narrow_b = a.in_column or a, b.in_column or b
                if not _overlapping(narrow_a.box, narrow_b.box):
                    chosen[first], chosen[second] = (caption_a, regions_a, narrow_a), (caption_b, regions_b, narrow_b)
                    continue
            rank_a = (caption_a.score, a.side == prefer, -distance(a, caption_a))
            rank_b = (caption_b.score, b.side == prefer, -distance(b, caption_b))
            keep, lose = (first, second) if rank_a >= rank_b else (second, first)
            kept = chosen[keep][2]
            caption, regions, lost = chosen[lose]
            others = [region for region in regions if region is not lost and not _overlapping(region.box, kept.box)]
            chosen[lose] = (caption, regions, others[0] if others else None)
    return chosen


def _overlapping(a: Box, b: Box) -> bool:
    """More than a fifth of the smaller box lies in the other."""
    shared = area(_intersection(a, b))
    return shared > 0.2 * min(area(a), area(b))


def _citing_paragraphs(
    pages: list[Page], chosen: list[tuple[Caption, Region]], vocabulary: Vocabulary, columns: list[Columns]
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
    pages: list[Page], chosen: list[tuple[Caption, Region]], vocabulary: Vocabulary, columns: list[Columns]
) -> list[str]:
    """Text blocks outside figures, captions and running heads, in reading order, joined across column and
    page breaks; only paragraphs that could name a figure are put together as text."""
    groups: list[list[str]] = []  # the line texts of each paragraph
    for page in pages:
        regions = [region.box for caption, region in chosen if caption.page == page.index]
        regions += [caption.box for caption, _ in chosen if caption.page == page.index]
        for index in _reading_order(page, columns[page.index]):
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
    # Each column reaches to the middle of the gutters beside it.
    bounds = [-float("inf")]
    bounds += [(left[1] + right[0]) / 2 for left, right in zip(columns.ranges, columns.ranges[1:], strict=False)]
    bounds += [float("inf")]
    order: list[int] = []
    held: list[list[int]] = [[] for _ in columns.ranges]

    def flush() -> None:
        for column in held:
            order.extend(sorted(column, key=lambda index: page.blocks[index].box[1]))
            column.clear()

    for index in sorted(range(len(page.blocks)), key=lambda index: page.blocks[index].box[1]):
        box: Box = page.blocks[index].box
        column = next((n for n in range(len(held)) if bounds[n] - 4 <= box[0] <= box[2] <= bounds[n + 1] + 4), None)
        if column is None:
            flush()
            order.append(index)
        else:
            held[column].append(index)
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
