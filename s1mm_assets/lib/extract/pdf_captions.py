"""Captions in a PDF: lines that open with "Figure 3.", "Fig. 3:", "FIGURE 3 |", "Figure-3:", "Supplementary Figure
S1", ...

Body text opens sentences the same way ("Figure 3 shows ..."), so each candidate carries the evidence that
it is a caption: punctuation after the number, a label set apart in bold or another font, caption-sized
text. Tables are found too: their captions bound the figures around them.
"""

from __future__ import annotations

import dataclasses
import re

from s1mm_assets.lib.extract.pdf_layout import Block, Box, Line, Page, overlap_x, overlap_y, union
from s1mm_assets.lib.extract.pdf_text import Vocabulary, join_lines

CAPTION_LABEL = re.compile(
    r"^\s*(?P<prefix>(?:Supplementary|Supplemental|Suppl\.|Supporting\s+Information|Extended\s+Data)\s+)?"
    r"(?P<kind>Figure|Fig\.|Fig|FIGURE|FIG\.|FIG|Table|TABLE)\s*(?:[-\u2010\u2011\u2013]\s*)?"
    # "3", "S1", "2.1", in an appendix "A1" or "A.1"; IEEE numbers tables "TABLE IV", alone or before a colon
    r"(?P<number>(?:[A-Z]\.?)?\d+(?:\.\d+)*|[IVX]+(?=\s*(?:$|[.:])))"
    r"(?P<delimiter>\s*[.:|\u2014\u2013-]+\s*|\s+|$)"
)
# Verbs that follow "Figure 3" in running text, never in a caption.
_MENTION_VERBS = re.compile(
    r"^(shows?|illustrates?|depicts?|presents?|displays?|summari[sz]es?|compares?|gives?|provides?|reports?|"
    r"lists?|plots?|demonstrates?|indicates?|reveals?|highlights?|and|in|is|was|also|further)\b",
    re.IGNORECASE,
)

_NOTES = re.compile(r"^\s*(Abbreviations?|Notes?|Keys?|Sources?)\s*:", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?)\]]\s*$")


def may_open_figure_caption(text: str) -> bool:
    """A line that `find_captions` would weigh as a figure caption's first line."""
    match = CAPTION_LABEL.match(text)
    return match is not None and not _is_table(match)


def _is_table(match: re.Match) -> bool:
    return match.group("kind").lower().startswith("tab")


@dataclasses.dataclass
class Caption:
    page: int  # 0-based page index
    kind: str  # "figure" | "table"
    number: str  # "3", "S1", "2.1"
    supplementary: bool
    box: Box
    text: str  # the caption without its label
    blocks: list[int]  # indices of the page blocks the caption occupies
    score: int  # evidence that this is a caption rather than a sentence of body text

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.number


def find_captions(page: Page, vocabulary: Vocabulary, body_size: float) -> list[Caption]:
    captions = []
    for block_index, block in enumerate(page.blocks):
        if block_index in page.edge_blocks:
            continue
        starts = _label_lines(block)
        for position, (_, match, styled) in enumerate(starts):
            lines = _caption_lines(block, [start[0] for start in starts], position)
            caption = _caption_from(page, block_index, lines, match, styled, vocabulary, body_size)
            if caption is not None:
                captions.append(caption)
    return captions


def _label_lines(block: Block) -> list[tuple[int, re.Match, bool]]:
    """The lines of a block that may open a caption: its first line, or a later one whose label is styled or
    that is set apart from the line before it (a label in mid-paragraph is running text)."""
    starts = []
    for line_index, line in enumerate(block.lines):
        match = CAPTION_LABEL.match(line.text)
        if match is None:
            continue
        styled = _label_styled(line, match.end("number"))
        if line_index == 0 or styled or _set_apart(block.lines[line_index - 1], line):
            starts.append((line_index, match, styled))
    return starts


def _caption_lines(block: Block, starts: list[int], position: int) -> list[Line]:
    """The block's lines that belong to the caption opened at `starts[position]`: up to the next caption below
    it, and, where captions sit side by side on one row (each under its own figure), only those in its own
    stretch of the width."""
    first = block.lines[starts[position]]
    beside = [block.lines[index].box[0] for index in starts if overlap_y(block.lines[index].box, first.box) > 0]
    right = min((x for x in beside if x > first.box[0] + 1), default=float("inf"))
    left = first.box[0] - 2 if any(x < first.box[0] - 1 for x in beside) else -float("inf")
    lines = []
    for index in range(starts[position], len(block.lines)):
        line = block.lines[index]
        if not left <= line.box[0] < right - 2:
            continue  # a neighbouring caption's
        if index in starts and index != starts[position]:
            break
        lines.append(line)
    return _paragraph(lines)


def _caption_from(
    page: Page,
    block_index: int,
    own: list[Line],
    match: re.Match,
    styled: bool,
    vocabulary: Vocabulary,
    body_size: float,
) -> Caption | None:
    block = page.blocks[block_index]
    lines = own
    delimiter = match.group("delimiter").strip()
    remainder = lines[0].text[match.end() :].strip()
    if not delimiter and not styled and remainder and (remainder[0].islower() or _MENTION_VERBS.match(remainder)):
        return None
    blocks = [block_index]
    if not remainder and len(lines) == 1:
        # The label stands alone; its text is the block beside or below it.
        follower = _adjacent_block(page, block_index, lines[0])
        if follower is not None:
            blocks.append(follower)
            lines = lines + page.blocks[follower].lines
    if own[-1] is block.lines[-1]:  # the caption runs to the end of its block, maybe beyond it
        blocks += _continuation_blocks(page, blocks[-1], lines)
    lines = _before_notes(own + [line for index in blocks[1:] for line in page.blocks[index].lines])
    text = join_lines([line.text for line in lines], vocabulary)
    label = CAPTION_LABEL.match(text)
    caption_text = text[label.end() :].strip() if label else text
    kind = "table" if _is_table(match) else "figure"
    supplementary = bool(match.group("prefix")) or match.group("number").startswith("S")
    number = match.group("number")
    if match.group("prefix") and not number.startswith("S"):
        number = f"S{number}"
    score = (
        2 * bool(delimiter and delimiter not in "-")
        + 2 * styled
        + (sum(line.size for line in lines) / len(lines) < body_size - 0.3)
    )
    return Caption(
        page=page.index,
        kind=kind,
        number=number,
        supplementary=supplementary,
        box=union([line.box for line in lines]),
        text=caption_text,
        blocks=blocks,
        score=score,
    )


def _set_apart(previous: Line, line: Line) -> bool:
    """A line that does not continue the one above it in the same block: another size of type, or a blank
    line's gap between them (MuPDF puts a figure's last row of labels and its caption in one block)."""
    height = line.box[3] - line.box[1]
    beside = overlap_y(previous.box, line.box) > 0.5 * height and line.box[0] > previous.box[2]
    return beside or abs(previous.size - line.size) >= 1.0 or line.box[1] - previous.box[3] > 0.8 * height


def _paragraph(lines: list[Line]) -> list[Line]:
    """The lines up to the first that is set apart from the one before it by a blank line's gap: a caption is one
    paragraph, whatever else MuPDF grouped with it."""
    for index in range(1, len(lines)):
        previous, line = lines[index - 1], lines[index]
        if line.box[1] - previous.box[3] > previous.box[3] - previous.box[1]:
            return lines[:index]
    return lines


def _before_notes(lines: list[Line]) -> list[Line]:
    """The caption without the notes some publishers set after it, each line under a bold heading of its own
    ("Abbreviations:", "Notes:"): the article's XML keeps those apart from the caption too."""
    for index in range(1, len(lines)):
        if _NOTES.match(lines[index].text) and _SENTENCE_END.search(lines[index - 1].text.rstrip()):
            spans = [span for span in lines[index].spans if span.text.strip()]
            if spans and spans[0].bold:
                return lines[:index]
    return lines


def _label_styled(line: Line, label_end: int) -> bool:
    """The label is bold, or in another font, while the caption text after it is not."""
    label_spans, rest_spans, position = [], [], 0
    for span in line.spans:
        (label_spans if position < label_end else rest_spans).append(span)
        position += len(span.text)
    label_spans = [span for span in label_spans if span.text.strip()]
    rest_spans = [span for span in rest_spans if span.text.strip(" .:|")]
    if not label_spans:
        return False
    label_bold = all(span.bold for span in label_spans)
    if not rest_spans:
        return label_bold
    rest_bold = all(span.bold for span in rest_spans)
    different_font = _family(label_spans[0].font) != _family(rest_spans[0].font)
    return (label_bold and not rest_bold) or different_font


def _family(font: str) -> str:
    return re.split(r"[-,+]", font.split("+")[-1])[0].lower()


def _adjacent_block(page: Page, block_index: int, label: Line) -> int | None:
    best = None
    for index, block in enumerate(page.blocks):
        if index == block_index or index in page.edge_blocks:
            continue
        beside = abs(block.box[1] - label.box[1]) < 4 and 0 <= block.box[0] - label.box[2] < 30
        below = 0 <= block.box[1] - label.box[3] < 8 and overlap_x(block.box, label.box) > 0
        if beside or below:
            best = index if best is None or block.box[1] < page.blocks[best].box[1] else best
    return best


def _continuation_blocks(page: Page, last_index: int, lines: list[Line]) -> list[int]:
    """Blocks that carry on the caption's paragraph: the rest of its last line, or the lines right below it,
    aligned with it and in the same size of type."""
    found = []
    size = lines[0].size
    current: Block = page.blocks[last_index]
    line_height = max(line.box[3] - line.box[1] for line in lines)
    while True:
        following = None
        last_line = current.lines[-1].box
        for index, block in enumerate(page.blocks):
            if index in page.edge_blocks or index == last_index or index in found or abs(block.size - size) >= 0.3:
                continue
            if CAPTION_LABEL.match(block.lines[0].text):
                continue
            gap = block.box[1] - current.box[3]
            below = (
                -0.4 * line_height <= gap <= 0.6 * line_height
                and abs(block.box[0] - current.box[0]) <= 2 * size
                and overlap_x(block.box, current.box) > 0.5 * (block.box[2] - block.box[0])
            )
            first = block.lines[0].box
            # The rest of the last line, split off as its own block (MuPDF does that after a sub- or
            # superscript, which may even overlap the line's end).
            beside = (
                min(first[3], last_line[3]) - max(first[1], last_line[1]) > 0.5 * (last_line[3] - last_line[1])
                and -3 * size <= first[0] - last_line[2] <= 3 * size
                and first[0] > (last_line[0] + last_line[2]) / 2
            )
            if below or beside:
                following = index
                break
        if following is None:
            return found
        found.append(following)
        current = page.blocks[following]
