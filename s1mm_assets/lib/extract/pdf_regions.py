"""Where a caption's figure is on the page.

Everything on a page is either an obstacle (body paragraphs, headings, captions, running heads, the table
under a table caption) or a figure element (raster images, visible vector paths, and the short text inside
plots: ticks, legends, panel letters and panel captions). The text columns come from where the document's body
paragraphs lie. From the caption's edge the figure is grown outwards, above and below, within the caption's
column (up to the middle between it and a caption beside it): elements join while the gap to what has been
collected stays small, and the first obstacle ends the search. The side that collects graphics is the figure;
when both do, the side the document puts its figures on elsewhere wins. A figure made only of text is not a
figure.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import statistics
from collections.abc import Sequence

from s1mm_assets.lib.extract.pdf_captions import Caption
from s1mm_assets.lib.extract.pdf_layout import Block, Box, Page, area, contains, overlap_x, overlap_y, union

_MIN_GRAPHIC_AREA = 300.0  # square points; rules and bullets are smaller
_STRIP = 2.0  # points: the resolution at which columns are told apart
_GUTTER_SHARE = 0.5  # a gutter is crossed by fewer paragraphs than this share of the columns beside it
_MARGIN_SHARE = 0.15  # strips crossed by fewer paragraphs than this share of the busiest are margin
_NARROW = 0.6  # paragraphs narrower than this share of the widest are set in columns
_PARAGRAPHS_PER_SIDE = 6  # fewer on the even or the odd pages: their columns are found from all pages together
_DIAGRAM_NODE_LINES = 3  # a flow chart's box holds a label of a few lines; a framed sidebar, paragraphs
_DIAGRAM_NODE_FIT = 4.0  # the box's area at most this many times its text's
_FURNITURE_MARGIN = 0.06  # graphics wholly within this share of the page top or bottom are page furniture
_PANEL_LABEL = re.compile(r"^\s*(\([a-zA-Z]\)|[a-zA-Z]\)|\([ivx]{1,4}\))\s")
_HEADING = re.compile(
    r"^\s*((\d{1,2}(\.\d{1,2})*|[IVX]+)\.?\s+[A-Z][a-z]|(?i:abstract|introduction|methods?|materials and methods|"
    r"results|discussion|conclusions?|references|acknowledg(e)?ments?)\b)"
)


@dataclasses.dataclass(frozen=True)
class Columns:
    """The text columns of the document's body pages, in points."""

    ranges: tuple[tuple[float, float], ...]

    @property
    def text_range(self) -> tuple[float, float]:
        return self.ranges[0][0], self.ranges[-1][1]

    @property
    def width(self) -> float:
        return statistics.fmean(right - left for left, right in self.ranges)

    def band_for(self, box: Box) -> tuple[float, float]:
        """The column a box sits in; its own width when it sits in a margin; else the whole text width."""
        for left, right in self.ranges:
            if box[0] >= left - 12 and box[2] <= right + 12:
                return min(left, box[0]), max(right, box[2])
        left, right = self.text_range
        if box[2] - box[0] < 0.75 * self.width and (box[2] < left + 12 or box[0] > right - 12):
            return box[0] - 8, box[2] + 8
        return min(left, box[0]), max(right, box[2])


@dataclasses.dataclass(frozen=True)
class Region:
    box: Box
    side: str  # "above" | "below" | "left" | "right": where the figure is relative to its caption
    graphic_area: float
    # The figure found in the caption's own column alone, before widening to what it touched there; None when
    # that part alone is too small to be a figure.
    in_column: Region | None = None


def is_prose(block: Block, body_size: float, column_width: float) -> bool:
    """A paragraph of running text: body-sized type, several words, most of a column wide."""
    if block.size < body_size - max(0.8, body_size * 0.1):
        return False
    width = block.box[2] - block.box[0]
    if len(block.lines) >= 2:
        return block.words >= 8 and width >= 0.45 * column_width
    return block.words >= 8 and width >= 0.6 * column_width


def is_heading(block: Block, body_size: float) -> bool:
    """A section heading: short, at least body-sized, numbered or one of the usual section names."""
    return (
        len(block.lines) <= 2
        and block.words <= 14
        and block.size >= body_size - 0.5
        and bool(_HEADING.match(block.text))
    )


def find_columns(pages: list[Page], body_size: float) -> list[Columns]:
    """The text columns of each page: the stretches of the page width that the body paragraphs cover, split at
    the gutters (a side column that holds only figures and captions is no text column). Where many paragraphs
    are much narrower than the widest, only those narrow ones count: a title block and an abstract run across
    the gutter. Left-hand and right-hand pages are read apart, since mirrored margins shift the columns."""
    width = max((page.width for page in pages), default=612.0)
    paragraphs = [
        (page.index % 2, block.box)
        for page in pages
        for index, block in enumerate(page.blocks)
        if index not in page.edge_blocks and is_prose(block, body_size, page.width * 0.3)
    ]
    widest = max((box[2] - box[0] for _, box in paragraphs), default=width)
    narrow = [(side, box) for side, box in paragraphs if box[2] - box[0] < _NARROW * widest]
    if len(narrow) >= 0.4 * len(paragraphs):
        paragraphs = narrow
    strips = int(width / _STRIP) + 2
    # Paragraphs (not lines: a table set as one block must not outweigh the text) starting and ending at each
    # strip of the page width, on even and on odd pages.
    changes = [[0] * (strips + 1), [0] * (strips + 1)]
    for side, box in paragraphs:
        changes[side][max(0, int(box[0] / _STRIP))] += 1
        changes[side][min(strips, int(box[2] / _STRIP) + 1)] -= 1
    if min(sum(side == parity for side, _ in paragraphs) for parity in (0, 1)) < _PARAGRAPHS_PER_SIDE:
        both = [even + odd for even, odd in zip(*changes, strict=True)]
        changes = [both, both]
    found = [_columns(list(itertools.accumulate(change[:strips])), width) for change in changes]
    return [found[page.index % 2] for page in pages]


def _columns(coverage: list[int], width: float) -> Columns:
    # A gutter: strips crossed by far fewer paragraphs than the busiest strips on both sides of them (only the
    # paragraphs that span the columns, a title block or an abstract, cross it); the margins: strips crossed by
    # few paragraphs of all.
    most_left = list(itertools.accumulate(coverage, max))
    most_right = list(itertools.accumulate(reversed(coverage), max))[::-1]
    floor = _MARGIN_SHARE * max(coverage, default=0)
    ranges: list[tuple[float, float]] = []
    start = None
    for strip, paragraphs in enumerate(coverage + [0]):
        beside = min(most_left[strip], most_right[strip]) if strip < len(coverage) else 0
        in_text = paragraphs > max(floor, _GUTTER_SHARE * beside)
        if in_text and start is None:
            start = strip
        elif not in_text and start is not None:
            if (strip - start) * _STRIP >= 0.1 * width:
                ranges.append((start * _STRIP, strip * _STRIP))
            start = None
    return Columns(tuple(ranges) or ((width * 0.08, width * 0.92),))


@dataclasses.dataclass
class PageElements:
    """A page sorted into what bounds figures and what figures are made of."""

    obstacles: list[tuple[Box, int | None]]  # box, block index (None for non-text obstacles)
    graphics: list[Box]
    texts: list[tuple[Box, int]]  # short text lines that may belong to a figure, with their block index


def page_elements(page: Page, captions: list[Caption], body_size: float, columns: Columns) -> PageElements:
    caption_blocks = {index for caption in captions for index in caption.blocks}
    obstacles: list[tuple[Box, int | None]] = [(caption.box, None) for caption in captions]
    texts: list[tuple[Box, int]] = []
    page_area = page.width * page.height
    top, bottom = _content_limits(page)
    top, bottom = max(top, page.height * _FURNITURE_MARGIN), min(bottom, page.height * (1 - _FURNITURE_MARGIN))
    graphics = [
        box
        for box in page.images + page.vectors
        if 0 < area(box) < 0.9 * page_area
        and box[3] > top
        and box[1] < bottom
        and not (_rule(box) and (box[1] < top + body_size or box[3] > bottom - body_size))
    ]
    for index, block in enumerate(page.blocks):
        if index in caption_blocks:
            continue
        if index in page.edge_blocks or (
            (is_prose(block, body_size, columns.width) or is_heading(block, body_size))
            and not any(contains(image, block.box) for image in page.images)
            and not _panel_text(block, body_size)
            and not _diagram_node(block, page.vectors)
        ):
            obstacles.append((block.box, index))
        else:
            texts += [(line.box, index) for line in block.lines]
    for caption in captions:
        if caption.kind == "table" and caption.score >= 1:
            elements = PageElements(obstacles, graphics, texts)
            table = _table_below(caption.box, elements, columns.band_for(caption.box), body_size)
            if table is not None:
                obstacles.append((table, None))
    return PageElements(obstacles, graphics, texts)


def _table_below(caption: Box, elements: PageElements, band: tuple[float, float], body_size: float) -> Box | None:
    """The table under a table caption: the text lines and rules that follow it, up to a gap of a few lines or
    the first drawing that is no rule (a figure set right under the table), so that the figure under it does
    not take the table in."""
    column = (band[0], 0.0, band[1], 0.0)
    below = [box for box, _ in elements.obstacles if box[1] >= caption[3] - 2 and overlap_x(box, column) > 0]
    limit = min((box[1] for box in below), default=float("inf"))
    items = [(box, True) for box, _ in elements.texts] + [(box, _rule(box)) for box in elements.graphics]
    items = [
        (box, tabular)
        for box, tabular in items
        if box[1] >= caption[3] - 2 and box[3] <= limit + 1 and overlap_x(box, column) > 0
    ]
    items.sort(key=lambda item: item[0][1])
    frontier, collected = caption[3], []
    for box, tabular in items:
        if not tabular or box[1] - frontier > 2.2 * body_size:
            break
        collected.append(box)
        frontier = max(frontier, box[3])
    return union(collected) if collected else None


def _panel_text(block: Block, body_size: float) -> bool:
    """A panel's own caption ("(a) ..."), in smaller type than the body: part of the figure, not text that
    ends it."""
    return block.size < body_size - 0.3 and bool(_PANEL_LABEL.match(block.text))


def _diagram_node(block: Block, vectors: Sequence[Box]) -> bool:
    """A line or three of text inside a drawn box that fits it closely: a node of a flow chart or diagram, part
    of the figure (set in body type, it would otherwise read as prose that ends the figure). A framed sidebar holds
    more lines; a page frame is far larger than any one block in it."""
    if len(block.lines) > _DIAGRAM_NODE_LINES:
        return False
    return any(
        contains(vector, block.box, tolerance=0.5) and area(vector) <= _DIAGRAM_NODE_FIT * area(block.box)
        for vector in vectors
    )


def _rule(box: Box) -> bool:
    """A line drawn as a rule: a table's, or under a running head."""
    return min(box[2] - box[0], box[3] - box[1]) < 3


def _content_limits(page: Page) -> tuple[float, float]:
    """Below the running head and above the running foot: graphics beyond them are page furniture, and so are
    the rules drawn just inside them."""
    heads = [page.blocks[index].box for index in page.edge_blocks]
    top = max((box[3] for box in heads if box[3] < page.height / 2), default=0.0)
    bottom = min((box[1] for box in heads if box[1] > page.height / 2), default=page.height)
    return top, bottom


def candidate_regions(
    caption: Caption, elements: PageElements, columns: Columns, body_size: float, others: Sequence[Box] = ()
) -> list[Region]:
    """The figure above the caption and the one below it, where there is one; failing both, the figure beside
    it (a caption set in a side column), found by the same search turned a quarter. `others` are the page's
    other captions: where one sits beside this one (figures side by side in one column), each caption's figure
    stays on its side of the middle between them."""
    column = left, right = columns.band_for(caption.box)
    for other in others:
        if overlap_y(other, caption.box) > 0 and other[0] >= caption.box[2]:
            right = min(right, (caption.box[2] + other[0]) / 2)
        elif overlap_y(other, caption.box) > 0 and other[2] <= caption.box[0]:
            left = max(left, (other[2] + caption.box[0]) / 2)
    band = (left, right)
    limits = band if band != column else None

    def above_and_below(band: tuple[float, float], limits: tuple[float, float] | None) -> list[Region]:
        grown = (_grow(caption.box, elements, band, body_size, side, limits) for side in ("above", "below"))
        return [region for region in grown if region is not None]

    found = above_and_below(band, limits)
    page_wide = min(columns.text_range[0], caption.box[0]), max(columns.text_range[1], caption.box[2])
    if not found and limits is None and band != page_wide:
        # A figure set across both columns over a caption that starts at the left margin and is short enough to
        # fit one column: the column alone holds too little of the figure to be found.
        found = above_and_below(page_wide, None)
    if found:
        return found
    turned = PageElements(
        [(_turn(box), index) for box, index in elements.obstacles],
        [_turn(box) for box in elements.graphics],
        [(_turn(box), index) for box, index in elements.texts],
    )
    beside = (caption.box[1] - body_size, caption.box[3] + body_size)
    for side, name in (("above", "left"), ("below", "right")):
        region = _grow(_turn(caption.box), turned, beside, body_size, side)
        if region is not None:
            found.append(Region(_turn(region.box), name, region.graphic_area))
    return found


def _turn(box: Box) -> Box:
    """Swap the axes: what lies left of a box lies above it after the turn."""
    return box[1], box[0], box[3], box[2]


def choose_region(found: list[Region], caption: Caption, prefer: str | None) -> Region | None:
    if not found:
        return None
    preferred = [region for region in found if region.side == prefer]
    if len(found) == 2 and preferred:
        return preferred[0]
    # Without a convention to go by, the side whose graphics sit closer to the caption.
    return min(found, key=lambda region: distance(region, caption))


def distance(region: Region, caption: Caption) -> float:
    """The gap between a caption and its figure."""
    return {
        "above": caption.box[1] - region.box[3],
        "below": region.box[1] - caption.box[3],
        "left": caption.box[0] - region.box[2],
        "right": region.box[0] - caption.box[2],
    }[region.side]


def _grow(
    caption: Box,
    elements: PageElements,
    band: tuple[float, float],
    body_size: float,
    side: str,
    limits: tuple[float, float] | None = None,
) -> Region | None:
    region: Box | None = None
    in_column: Box | None = None
    for _ in range(3):  # widen the band to what was found, for figures wider than the caption's column
        grown = _grow_in_band(caption, elements, band, body_size, side, centred=limits is not None)
        if grown is None or grown == region:
            break
        region = grown
        in_column = in_column or grown
        band = (min(band[0], region[0]), max(band[1], region[2]))
        if limits is not None and limits != band:
            band = (max(band[0], limits[0]), min(band[1], limits[1]))
    if region is None or in_column is None:
        return None
    found = _as_figure(region, elements, side)
    if found is None or in_column == region:
        return found
    return dataclasses.replace(found, in_column=_as_figure(in_column, elements, side))


def _as_figure(box: Box, elements: PageElements, side: str) -> Region | None:
    graphic_area = sum(area(graphic) for graphic in elements.graphics if contains(box, graphic))
    if graphic_area < _MIN_GRAPHIC_AREA or box[2] - box[0] < 20 or box[3] - box[1] < 20:
        return None
    return Region(box, side, graphic_area)


def _grow_in_band(
    caption: Box, elements: PageElements, band: tuple[float, float], body_size: float, side: str, centred: bool
) -> Box | None:
    """`centred`: only what is centred in the band counts (the band ends at a neighbouring caption's half)."""
    above = side == "above"
    edge = caption[1] if above else caption[3]

    def in_band(box: Box) -> bool:
        return overlap_x(box, (band[0], 0, band[1], 0)) > min(4.0, (box[2] - box[0]) / 2)

    def takes(box: Box) -> bool:
        return band[0] <= (box[0] + box[2]) / 2 <= band[1] if centred else in_band(box)

    def beyond(box: Box) -> bool:
        return box[3] <= edge + 2 if above else box[1] >= edge - 2

    limit = 0.0 if above else float("inf")
    for box, _ in elements.obstacles:
        if box == caption or not in_band(box) or not beyond(box):
            continue
        limit = max(limit, box[3]) if above else min(limit, box[1])
    candidates = [box for box in elements.graphics if takes(box) and beyond(box)]
    candidates += [box for box, _ in elements.texts if takes(box) and beyond(box)]
    candidates = [box for box in candidates if (box[1] >= limit - 1 if above else box[3] <= limit + 1)]
    candidates.sort(key=lambda box: -box[3] if above else box[1])
    frontier = edge
    collected: list[Box] = []
    graphics = set(elements.graphics)
    for box in candidates:
        gap = frontier - box[3] if above else box[1] - frontier
        allowed = 2.2 * body_size if collected else 4.0 * body_size
        if gap > allowed:
            break
        collected.append(box)
        frontier = min(frontier, box[1]) if above else max(frontier, box[3])
    drawn = [box for box in collected if box in graphics]
    if not drawn:
        return None
    # Text lines count only near the graphics: a stray line of the page at the far end is not the figure's.
    reach = 1.5 * body_size
    drawn_box = union(drawn)
    near = (drawn_box[0] - reach, drawn_box[1] - reach, drawn_box[2] + reach, drawn_box[3] + reach)
    return union(drawn + [box for box in collected if box not in graphics and _intersects(near, box)])


def _intersects(a: Box, b: Box) -> bool:
    return overlap_x(a, b) > 0 and a[1] < b[3] and b[1] < a[3]
