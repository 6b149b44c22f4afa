"""What is on a PDF page, read in one pass: text lines with their fonts, raster images and vector paths.

The page's content stream is interpreted once into a display list; the text (with vector paths collected
alongside, MuPDF's `TEXT_COLLECT_VECTORS`) and the image positions are read from that list, and figure regions
are later rendered from it too, so a page costs little more than extracting its text.

Paths that draw nothing (white on the white page, or transparent) are left out; a page set sideways (its text
running up or down) is read turned upright. Document-wide facts the figure finder needs live here as well: the
body text size, and the running headers and footers (lines near the page edge that repeat from page to page at
the same height), which are neither body text nor figure.
"""

from __future__ import annotations

import collections
import collections.abc
import dataclasses
import functools
import operator
import re
import typing

import pymupdf

Box = tuple[float, float, float, float]

# Text with the vector paths; image pixels stay out of it (copying them is most of the cost of a text dict).
_TEXT_FLAGS = pymupdf.TEXT_MEDIABOX_CLIP | pymupdf.TEXT_COLLECT_VECTORS
_IMAGE_FLAGS = pymupdf.TEXT_MEDIABOX_CLIP | pymupdf.TEXT_PRESERVE_IMAGES
_BOLD = 16  # span flag
_WHITE = 0xFFFFFF
_SPAN_FIELDS = operator.itemgetter("text", "size", "flags", "font", "bbox")
_TURNED_PAGE_CHARACTERS = 40  # fewer characters running up or down a page: axis titles, not a page set sideways
_APART = 3.0  # spans of one line further apart than this many ems are two pieces of text (two captions, cells)
_EDGE_ZONE = 0.09
_WORD = re.compile(r"[^\W\d_]{2,}")
_PAGE_NUMBER = re.compile(
    r"^(page\s*)?[#ivxl]+(\s*(of|/)\s*#)?$"
)  # share of the page height at the top and bottom where running headers and footers sit


class Span(typing.NamedTuple):
    text: str
    size: float
    bold: bool
    font: str


class Line:
    """A line of text; its text and size are read when the page is (every line needs them), its spans only
    when asked for (caption labels, the title). A plain class with slots: documents have tens of thousands."""

    __slots__ = ("box", "text", "size", "block", "_span_fields")

    def __init__(self, box: Box, text: str, size: float, block: int, span_fields: list[tuple]):
        self.box = box
        self.text = text
        self.size = size  # the size most of the line's characters are set in
        self.block = block  # index of the block on its page
        self._span_fields = span_fields  # text, size, flags, font, box of each span

    @property
    def spans(self) -> list[Span]:
        return [Span(text, size, bool(flags & _BOLD), font) for text, size, flags, font, _ in self._span_fields]


@dataclasses.dataclass
class Block:
    box: Box
    lines: list[Line]
    size: float  # the size most of the block's characters are set in

    @functools.cached_property
    def text(self) -> str:
        return " ".join(line.text.strip() for line in self.lines)

    @functools.cached_property
    def words(self) -> int:
        """Words of two letters or more: tick labels and numbers in tables do not count."""
        return len(_WORD.findall(self.text))  # the lines joined by spaces: no word spans two lines


@dataclasses.dataclass
class Page:
    index: int  # 0-based
    width: float
    height: float
    blocks: list[Block]
    images: list[Box]  # read only on pages that may hold a figure or have no text
    vectors: list[Box]
    display_list: pymupdf.DisplayList | None  # None where no line may open a figure caption
    edge_blocks: set[int] = dataclasses.field(default_factory=set)  # running headers / footers

    @functools.cached_property
    def lines(self) -> list[Line]:
        return [line for block in self.blocks for line in block.lines]

    def render(self, box: Box, dpi: int) -> pymupdf.Pixmap:
        if self.display_list is None:
            raise ValueError(f"page {self.index + 1} was read without keeping what renders it")
        zoom = dpi / 72
        return self.display_list.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), clip=pymupdf.Rect(box), alpha=False)


def read_page(page: pymupdf.Page, may_open_figure_caption: collections.abc.Callable[[str], bool]) -> Page:
    """The page's text and vector paths; where a line may open a figure caption, also its image positions and
    what renders it (kept for later; on other pages it would only hold memory)."""
    display_list = page.get_displaylist()
    text = pymupdf.TextPage(display_list.get_textpage(flags=_TEXT_FLAGS)).extractDICT()
    turned: collections.Counter[int] = collections.Counter()
    blocks, vectors = _read_blocks(text, turned)
    upright = sum(len(line.text) for block in blocks for line in block.lines)
    if turned and max(turned.values()) > max(2 * upright, _TURNED_PAGE_CHARACTERS):
        # A page set sideways (a landscape figure or table): read it turned upright, the way a reader turns it.
        page.set_rotation((page.rotation + turned.most_common(1)[0][0]) % 360)
        display_list = page.get_displaylist()
        text = pymupdf.TextPage(display_list.get_textpage(flags=_TEXT_FLAGS)).extractDICT()
        blocks, vectors = _read_blocks(text, collections.Counter())
    holds_figure = any(may_open_figure_caption(line.text) for block in blocks for line in block.lines)
    images: list[Box | None] = []
    # Image positions bound figures and tell scanned pages (no text) apart: a second replay of the display list,
    # only on those pages and only where the page has images at all.
    if (holds_figure or not blocks) and page.get_images():
        page_box = (0.0, 0.0, page.rect.width, page.rect.height)
        image_blocks = pymupdf.TextPage(display_list.get_textpage(flags=_IMAGE_FLAGS)).extractBLOCKS()
        images = [_clip(tuple(raw[:4]), page_box) for raw in image_blocks if raw[6] == 1]
    return Page(
        index=page.number,
        width=page.rect.width,
        height=page.rect.height,
        blocks=blocks,
        images=[box for box in images if box is not None],
        vectors=vectors,
        display_list=display_list if holds_figure else None,
    )


def _read_blocks(text: dict, turned: collections.Counter[int]) -> tuple[list[Block], list[Box]]:
    """The text blocks and the vector paths of a page's text dictionary; `turned` counts the characters of
    the lines left out because they run up or down the page, by the rotation that would set them upright."""
    blocks: list[Block] = []
    vectors: list[Box] = []
    for raw in text["blocks"]:
        if raw["type"] == 3:
            if raw["color"] != _WHITE and raw["alpha"]:  # white on the white page, or transparent: nothing drawn
                vectors.append(tuple(raw["bbox"]))
        elif raw["type"] == 0:
            block = _read_block(raw, len(blocks), turned)
            if block is not None:
                blocks.append(block)
    return blocks, vectors


def _read_block(raw: dict, index: int, turned: collections.Counter[int]) -> Block | None:
    # The hot loop of reading a page (every line of the document passes here): plain loops, no helper calls.
    lines = []
    for raw_line in raw["lines"]:
        if abs(raw_line["dir"][1]) > 0.1:
            # Rotated text: axis titles and margin stamps, never body text or a caption start, unless the whole
            # page is turned.
            if abs(raw_line["dir"][1]) > 0.9:
                turned[90 if raw_line["dir"][1] < 0 else 270] += sum(len(span["text"]) for span in raw_line["spans"])
            continue
        # What the spans are made of, kept small: the page's dictionary is let go once it is read.
        spans = list(map(_SPAN_FIELDS, raw_line["spans"]))
        box = tuple(raw_line["bbox"])
        pieces = [spans]
        if len(spans) > 1:
            # MuPDF joins text on one baseline into one line even across a wide gap (two captions side by side).
            pieces, start = [], 0
            for at in range(1, len(spans)):
                if spans[at][4][0] - spans[at - 1][4][2] > _APART * spans[at][1]:
                    pieces.append(spans[start:at])
                    start = at
            pieces.append(spans[start:])
        for kept in pieces:
            text = "".join([span[0] for span in kept])
            if not text.strip():
                continue
            if len(kept) == 1:
                size = round(kept[0][1], 1)
            else:
                # Characters per size as printed, then per size rounded: a line has few distinct sizes, many spans.
                exact: dict[float, int] = {}
                for span in kept:
                    exact[span[1]] = exact.get(span[1], 0) + len(span[0].strip())
                weights: dict[float, int] = {}
                for span_size, characters in exact.items():
                    rounded = round(span_size, 1)
                    weights[rounded] = weights.get(rounded, 0) + characters
                size = max(weights, key=weights.__getitem__)
            if len(pieces) > 1:
                box = (kept[0][4][0], box[1], kept[-1][4][2], box[3])
            lines.append(Line(box, text, size, index, kept))
    if not lines:
        return None
    if len(lines) == 1:
        size = lines[0].size
    else:
        weights = {}
        for line in lines:
            weights[line.size] = weights.get(line.size, 0) + len(line.text)
        size = max(weights, key=weights.__getitem__)
    return Block(union([line.box for line in lines]), lines, size)


def body_text_size(pages: list[Page]) -> float:
    """The font size most of the document's characters are set in."""
    weights: collections.Counter[float] = collections.Counter()
    for page in pages:
        for block in page.blocks:
            weights[block.size] += sum(len(line.text) for line in block.lines)
    return weights.most_common(1)[0][0] if weights else 10.0


def mark_running_heads(pages: list[Page]) -> None:
    """Flag blocks near the top or bottom edge whose text (digits aside) recurs at the same height on other pages,
    and page numbers with nothing further out: a figure's own labels near the edge are neither."""
    candidates: dict[str, list[tuple[Page, int]]] = {}
    for page in pages:
        for index, block in enumerate(page.blocks):
            near_edge = block.box[3] <= page.height * _EDGE_ZONE or block.box[1] >= page.height * (1 - _EDGE_ZONE)
            if near_edge:
                key = re.sub(r"\d+", "#", block.text.strip().lower())
                candidates.setdefault(key, []).append((page, index))
    recurring = min(3 if len(pages) >= 4 else 2, len(pages))
    for key, found in candidates.items():
        for page, index in found:
            top = page.blocks[index].box[1]
            pages_there = {other.index for other, at in found if abs(other.blocks[at].box[1] - top) <= 6}
            if len(pages_there) >= recurring or (_PAGE_NUMBER.match(key) and _outermost(page, index)):
                page.edge_blocks.add(index)


def _outermost(page: Page, index: int) -> bool:
    """Nothing on the page, text or drawing, lies further towards the page edge the block is near."""
    box = page.blocks[index].box
    others = [block.box for other, block in enumerate(page.blocks) if other != index] + page.vectors + page.images
    if box[1] >= page.height / 2:
        return all(other[3] <= box[3] + 1 for other in others)
    return all(other[1] >= box[1] - 1 for other in others)


def union(boxes: list[Box]) -> Box:
    return (
        min(box[0] for box in boxes),
        min(box[1] for box in boxes),
        max(box[2] for box in boxes),
        max(box[3] for box in boxes),
    )


def _clip(box: Box, bounds: Box) -> Box | None:
    clipped = (max(box[0], bounds[0]), max(box[1], bounds[1]), min(box[2], bounds[2]), min(box[3], bounds[3]))
    return clipped if clipped[2] > clipped[0] and clipped[3] > clipped[1] else None


def area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def overlap_x(a: Box, b: Box) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0]))


def overlap_y(a: Box, b: Box) -> float:
    return max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def contains(outer: Box, inner: Box, tolerance: float = 1.0) -> bool:
    return (
        inner[0] >= outer[0] - tolerance
        and inner[1] >= outer[1] - tolerance
        and inner[2] <= outer[2] + tolerance
        and inner[3] <= outer[3] + tolerance
    )
