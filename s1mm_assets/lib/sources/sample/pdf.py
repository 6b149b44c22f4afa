"""ChemRxiv preprints: a typeset PDF with text, raster and vector figures, and "Figure N." captions.

Layout is a small column flow over PyMuPDF pages: title block and abstract across the page, then one or two
columns of body text that split paragraphs between sentences where a column runs out. Figures are raster
images (`insert_image`) or matplotlib vector drawings (`show_pdf_page`), each followed by a caption paragraph
opening with a bold "Figure N.". No creation date or document id varies between runs.
"""

from __future__ import annotations

import dataclasses
import html

import numpy as np
import pymupdf

from s1mm_assets.lib.sources.sample import figures as figure_rendering
from s1mm_assets.lib.sources.sample.expected import ExpectedFigure
from s1mm_assets.lib.sources.sample.figures import MicrographPanel
from s1mm_assets.lib.sources.sample.identity import Identity
from s1mm_assets.lib.sources.sample.markup import to_html, to_plain
from s1mm_assets.lib.sources.sample.paper import FigureBlock, PaperContent, PlannedFigure

_MARGIN = 60.0
_COLUMN_GAP = 18.0
_SPACING = 8.0
_HEADING_CSS = "p {font-weight: bold; font-size: 11.5pt; text-align: left;}"
_END_MATTER = (
    (
        "Associated Content",
        "Supporting Information: experimental procedures, characterisation data and "
        "additional figures are available free of charge.",
    ),
    ("Author Contributions", "All authors designed the study, analysed the data and wrote the manuscript."),
    ("Conflicts of Interest", "The authors declare no competing financial interest."),
)
_PRODUCERS = (
    ("Microsoft® Word for Microsoft 365", "Microsoft® Word for Microsoft 365"),
    ("LaTeX with hyperref", "pdfTeX-1.40.25"),
)


class _Flow:
    """Where the next block goes: fills the columns of a page top to bottom, then starts a new page."""

    def __init__(self, document: pymupdf.Document, page_rect: pymupdf.Rect, columns: int, css: str):
        self.document, self.page_rect, self.columns, self.css = document, page_rect, columns, css
        self.width = (page_rect.width - 2 * _MARGIN - (columns - 1) * _COLUMN_GAP) / columns
        self.page = document.new_page(width=page_rect.width, height=page_rect.height)
        self.column = 0
        self.y = _MARGIN
        # Columns start below whatever runs across the page (the title block on page 1), not at the margin.
        self.top = _MARGIN
        self.bottom = page_rect.height - _MARGIN

    @property
    def x0(self) -> float:
        return _MARGIN + self.column * (self.width + _COLUMN_GAP)

    def full_width_text(self, markup: str, css: str = "") -> None:
        """Text across all columns; only used above the body on the first page."""
        width = self.page_rect.width - 2 * _MARGIN
        height = measure(markup, width, self.css + css)
        self.page.insert_htmlbox(
            pymupdf.Rect(_MARGIN, self.y, _MARGIN + width, self.y + height + 2), markup, css=self.css + css
        )
        self.y += height + _SPACING
        self.top = self.y

    def reserve(self, height: float) -> pymupdf.Rect:
        if self.y + height > self.bottom and self.y > self.top:
            self.next_column()
        rect = pymupdf.Rect(self.x0, self.y, self.x0 + self.width, self.y + height)
        self.y += height + _SPACING
        return rect

    def next_column(self) -> None:
        self.column += 1
        if self.column == self.columns:
            self.page = self.document.new_page(width=self.page_rect.width, height=self.page_rect.height)
            self.column = 0
            self.top = _MARGIN
        self.y = self.top

    def text(self, markup: str, css: str = "") -> None:
        height = measure(markup, self.width, self.css + css)
        rect = self.reserve(height)
        self.page.insert_htmlbox(pymupdf.Rect(rect.x0, rect.y0, rect.x1, rect.y1 + 2), markup, css=self.css + css)

    def paragraph(self, sentences: list[str]) -> None:
        """A paragraph that may continue in the next column, broken between sentences."""
        while sentences:
            room = self.bottom - self.y
            taken = len(sentences)
            while taken > 1 and measure(_p(sentences[:taken]), self.width, self.css) > room:
                taken -= 1
            if measure(_p(sentences[:taken]), self.width, self.css) > room and self.y > self.top:
                self.next_column()
                continue
            self.text(_p(sentences[:taken]))
            sentences = sentences[taken:]


def measure(markup: str, width: float, css: str) -> float:
    story = pymupdf.Story(markup, user_css=css)
    _, filled = story.place(pymupdf.Rect(0, 0, width, 10_000))
    return filled[3]


def _p(sentences: list[str]) -> str:
    return f"<p>{' '.join(sentences)}</p>"


@dataclasses.dataclass(frozen=True)
class _Design:
    """Every choice of the typesetting, drawn before layout so a second layout pass changes nothing else."""

    columns: int
    page_rect: pymupdf.Rect
    font_family: str
    figure_formats: tuple[str, ...]
    figure_images: tuple[bytes, ...]
    figure_widths: tuple[float, ...]  # share of the text width in one-column layouts
    references: tuple[str, ...]
    producer: tuple[str, str]


def write_pdf_bundle(
    content: PaperContent, identity: Identity, rng: np.random.Generator
) -> tuple[bytes, list[ExpectedFigure]]:
    columns = 2 if rng.random() < 0.5 else 1
    page_rect = pymupdf.paper_rect("letter" if rng.random() < 0.5 else "a4")
    font_family = "serif" if rng.random() < 0.6 else "sans-serif"
    formats = tuple(
        "jpg" if isinstance(figure.spec.panels[0], MicrographPanel) else "pdf" if rng.random() < 0.4 else "png"
        for figure in content.figures
    )
    design = _Design(
        columns,
        page_rect,
        font_family,
        formats,
        tuple(
            figure_rendering.render(figure.spec, image_format)
            for figure, image_format in zip(content.figures, formats, strict=True)
        ),
        tuple(float(rng.uniform(0.55, 0.75)) for _ in content.figures),
        tuple(_references(content, rng)),
        _PRODUCERS[int(rng.integers(len(_PRODUCERS)))],
    )
    document, expected = _typeset(content, design)
    # Preprints run three to six pages; the other column count brings an outlier back into that range.
    if (document.page_count < 3 and columns == 2) or (document.page_count > 6 and columns == 1):
        document, expected = _typeset(content, dataclasses.replace(design, columns=3 - columns))

    creator, producer = design.producer
    stamp = identity.published.strftime("D:%Y%m%d120000+00'00'")
    document.set_metadata(
        {
            "title": content.title,
            "author": "; ".join(content.authors),
            "subject": "",
            "keywords": ", ".join(content.categories),
            "creator": creator,
            "producer": producer,
            "creationDate": stamp,
            "modDate": stamp,
        }
    )
    document.subset_fonts()  # every text box embeds its fonts afresh; subsetting merges them back
    return document.tobytes(garbage=4, deflate=True, no_new_id=True), expected


def _typeset(content: PaperContent, design: _Design) -> tuple[pymupdf.Document, list[ExpectedFigure]]:
    size = 9.5 if design.columns == 2 else 10.5
    css = (
        f"* {{font-family: {design.font_family}; font-size: {size}pt; line-height: 1.3;}} "
        "body {margin: 0;} p {text-align: justify; margin: 0;}"
    )
    document = pymupdf.open()
    flow = _Flow(document, design.page_rect, design.columns, css)
    flow.full_width_text(
        f"<p>{html.escape(content.title)}</p>",
        "p {font-size: 17pt; font-weight: bold; text-align: left; line-height: 1.2;}",
    )
    flow.full_width_text(f"<p>{html.escape(', '.join(content.authors))}</p>", "p {font-size: 11pt; text-align: left;}")
    affiliations = "<br/>".join(f"<sup>{n}</sup>{html.escape(a)}" for n, a in enumerate(content.affiliations, 1))
    flow.full_width_text(f"<p>{affiliations}</p>", "p {font-size: 8.5pt; font-style: italic; text-align: left;}")
    abstract = " ".join(to_html(sentence) for sentence in content.abstract)
    flow.full_width_text(f"<p><b>Abstract.</b> {abstract}</p>", "p {font-size: 9.5pt;}")
    flow.y += _SPACING
    flow.top = flow.y

    expected: list[ExpectedFigure] = []
    for section in content.sections:
        flow.text(f"<p>{html.escape(section.title)}</p>", _HEADING_CSS)
        for block in section.blocks:
            if isinstance(block, FigureBlock):
                expected.append(_place_figure(flow, content.figures[block.index], block.index, design))
            else:
                flow.paragraph([to_html(sentence) for sentence in block])
    for heading, text in _END_MATTER:
        flow.text(f"<p>{heading}</p>", _HEADING_CSS)
        flow.paragraph([html.escape(text)])
    flow.text("<p>References</p>", _HEADING_CSS)
    for number, reference in enumerate(design.references, start=1):
        flow.text(f"<p>({number}) {html.escape(reference)}</p>", "p {font-size: 8pt; text-align: left;}")

    for page_number, page in enumerate(document, start=1):
        page.insert_text(
            (page.rect.width / 2 - 3, page.rect.height - 30), str(page_number), fontsize=9, fontname="helv"
        )
    return document, expected


def _place_figure(flow: _Flow, figure: PlannedFigure, index: int, design: _Design) -> ExpectedFigure:
    spec = figure.spec
    image_format, image = design.figure_formats[index], design.figure_images[index]
    width = flow.width if flow.columns == 2 else flow.width * design.figure_widths[index]
    height = width * spec.height_in / spec.width_in
    caption_markup = f"<p><b>Figure {index + 1}.</b> {to_html(figure.caption.rich)}</p>"
    caption_css = "p {font-size: 8.5pt;}"
    caption_height = measure(caption_markup, flow.width, flow.css + caption_css)
    rect = flow.reserve(height + 6 + caption_height)
    left = rect.x0 + (flow.width - width) / 2
    image_rect = pymupdf.Rect(left, rect.y0, left + width, rect.y0 + height)
    if image_format == "pdf":
        with pymupdf.open("pdf", image) as drawing:
            flow.page.show_pdf_page(image_rect, drawing, 0)
    else:
        flow.page.insert_image(image_rect, stream=image)
    caption_rect = pymupdf.Rect(rect.x0, image_rect.y1 + 6, rect.x1, image_rect.y1 + 8 + caption_height)
    flow.page.insert_htmlbox(caption_rect, caption_markup, css=flow.css + caption_css)
    return ExpectedFigure(
        number=str(index + 1),
        label=None,
        caption=to_plain(figure.caption.rich),
        figure_kind=spec.kind,
        image_format=image_format,
        citing_sentences=tuple(to_plain(sentence) for sentence in figure.citing),
        page=flow.page.number + 1,
    )


def _references(content: PaperContent, rng: np.random.Generator) -> list[str]:
    journals = (
        "J. Am. Chem. Soc.",
        "Angew. Chem. Int. Ed.",
        "Nat. Chem.",
        "ACS Catal.",
        "Chem. Sci.",
        "J. Phys. Chem. C",
        "Chem. Mater.",
    )
    references = []
    for number in range(int(rng.integers(6, 12))):
        author = content.authors[number % len(content.authors)]
        year = int(rng.integers(2010, 2024))
        references.append(
            f"{author.split(' ', 1)[1]}, {author[0]}.; et al. {journals[number % len(journals)]} "
            f"{year}, {int(rng.integers(5, 150))}, {int(rng.integers(100, 9999))}."
        )
    return references
