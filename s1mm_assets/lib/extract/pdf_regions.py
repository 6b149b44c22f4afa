"""Where a caption's figure is on the page.

Everything on a page is either an obstacle (body paragraphs, headings, captions, running heads) or a
figure element (raster images, vector paths, and the short text inside plots: ticks, legends, panel letters).
From the caption's edge the figure is grown outwards, above and below, within the caption's column: elements
join while the gap to what has been collected stays small, and the first obstacle ends the search. The side
that collects graphics is the figure; when both do, the side the document puts its figures on elsewhere wins.
A figure made only of text is not a figure.
"""

from __future__ import annotations

import dataclasses
import re
import statistics

from s1mm_assets.lib.extract.pdf_captions import Caption
from s1mm_assets.lib.extract.pdf_layout import Block, Box, Page, area, contains, overlap_x, union

_MIN_GRAPHIC_AREA = 300.0  # square points; rules and bullets are smaller
_FURNITURE_MARGIN = 0.06  # graphics wholly within this share of the page top or bottom are page furniture
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


def find_columns(pages: list[Page], body_size: float) -> Columns:
    lefts, rights, fulls = [], [], []
    for page in pages:
        middle = page.width / 2
        for index, block in enumerate(page.blocks):
            if index in page.edge_blocks or not is_prose(block, body_size, page.width * 0.3):
                continue
            if block.box[2] <= middle + 8:
                lefts.append(block.box)
            elif block.box[0] >= middle - 8:
                rights.append(block.box)
            else:
                fulls.append(block.box)
    column_blocks = len(lefts) + len(rights)
    if lefts and rights and column_blocks >= 0.4 * (column_blocks + len(fulls)):
        return Columns(
            (
                (statistics.median(box[0] for box in lefts), statistics.median(box[2] for box in lefts)),
                (statistics.median(box[0] for box in rights), statistics.median(box[2] for box in rights)),
            )
        )
    boxes = lefts + rights + fulls
    if not boxes:
        width = pages[0].width if pages else 612.0
        return Columns(((width * 0.08, width * 0.92),))
    return Columns(((statistics.median(box[0] for box in boxes), statistics.median(box[2] for box in boxes)),))


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
    for index, block in enumerate(page.blocks):
        if index in caption_blocks:
            continue
        inside_image = any(contains(image, block.box) for image in page.images)
        if index in page.edge_blocks or (
            not inside_image and (is_prose(block, body_size, columns.width) or is_heading(block, body_size))
        ):
            obstacles.append((block.box, index))
        else:
            texts += [(line.box, index) for line in block.lines]
    top, bottom = _content_limits(page)
    graphics = [
        box
        for box in page.images + page.vectors
        if 0 < area(box) < 0.9 * page_area
        and box[3] > max(top, page.height * _FURNITURE_MARGIN)
        and box[1] < min(bottom, page.height * (1 - _FURNITURE_MARGIN))
    ]
    return PageElements(obstacles, graphics, texts)


def _content_limits(page: Page) -> tuple[float, float]:
    """Below the running head and above the running foot: graphics beyond them are page furniture."""
    heads = [page.blocks[index].box for index in page.edge_blocks]
    top = max((box[3] for box in heads if box[3] < page.height / 2), default=0.0)
    bottom = min((box[1] for box in heads if box[1] > page.height / 2), default=page.height)
    return top, bottom


def candidate_regions(caption: Caption, elements: PageElements, columns: Columns, body_size: float) -> list[Region]:
    """The figure above the caption and the one below it, where there is one; failing both, the figure beside
    it (a caption set in a side column), found by the same search turned a quarter."""
    band = columns.band_for(caption.box)
    found = [region for side in ("above", "below") if (region := _grow(caption.box, elements, band, body_size, side))]
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
    return min(found, key=lambda region: _distance(region, caption))


def _distance(region: Region, caption: Caption) -> float:
    return {
        "above": caption.box[1] - region.box[3],
        "below": region.box[1] - caption.box[3],
        "left": caption.box[0] - region.box[2],
        "right": region.box[0] - caption.box[2],
    }[region.side]


def _grow(
    caption: Box, elements: PageElements, band: tuple[float, float], body_size: float, side: str
) -> Region | None:
    region: Box | None = None
    for _ in range(3):  # widen the band to what was found, for figures wider than the caption's column
        grown = _grow_in_band(caption, elements, band, body_size, side)
        if grown is None or grown == region:
            break
        region = grown
        band = (min(band[0], region[0]), max(band[1], region[2]))
    if region is None:
        return None
    graphic_area = sum(area(box) for box in elements.graphics if contains(region, box))
    if graphic_area < _MIN_GRAPHIC_AREA or region[2] - region[0] < 20 or region[3] - region[1] < 20:
        return None
    return Region(region, side, graphic_area)


def _grow_in_band(
    caption: Box, elements: PageElements, band: tuple[float, float], body_size: float, side: str
) -> Box | None:
    above = side == "above"
    edge = caption[1] if above else caption[3]

    def in_band(box: Box) -> bool:
        return overlap_x(box, (band[0], 0, band[1], 0)) > min(4.0, (box[2] - box[0]) / 2)

    def beyond(box: Box) -> bool:
        return box[3] <= edge + 2 if above else box[1] >= edge - 2

    limit = 0.0 if above else float("inf")
    for box, _ in elements.obstacles:
        if box == caption or not in_band(box) or not beyond(box):
            continue
        limit = max(limit, box[3]) if above else min(limit, box[1])
    candidates = [box for box in elements.graphics if in_band(box) and beyond(box)]
    candidates += [box for box, _ in elements.texts if in_band(box) and beyond(box)]
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
