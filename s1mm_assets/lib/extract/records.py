"""What the extractors produce, whatever the input format."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class SubFigure:
    label: str  # "(a)", "A", ...
    caption: str


@dataclasses.dataclass(frozen=True)
class FigureImage:
    data: bytes  # encoded PNG or JPEG, decoded once to validate it
    format: str  # "png" | "jpeg"
    width: int
    height: int


@dataclasses.dataclass
class ExtractedFigure:
    figure_key: str  # identity within the paper: the label, else "figure-<n>"
    label: str | None  # the author's label (LaTeX \label, JATS fig id)
    number: str | None  # as printed: "3", "S1"
    caption: str
    image: FigureImage
    extractor: str  # "latex" | "jats" | "pdf"
    subfigures: list[SubFigure] = dataclasses.field(default_factory=list)
    citing_paragraphs: list[str] = dataclasses.field(default_factory=list)
    page: int | None = None  # 1-based, PDFs only
    # PDF points, PDFs only (on a page set sideways, in the page turned upright, as it was read and rendered)
    bbox: tuple[float, float, float, float] | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)
    supplementary: bool = False  # a supplementary / extended-data figure ("Figure S1", JATS supplementary material)


@dataclasses.dataclass(frozen=True)
class FigureProblem:
    """A figure (or a whole paper, when `figure_key` is empty) that could not be extracted."""

    figure_key: str
    reason: str
    detail: str = ""


@dataclasses.dataclass
class Extraction:
    extractor: str
    figures: list[ExtractedFigure] = dataclasses.field(default_factory=list)
    problems: list[FigureProblem] = dataclasses.field(default_factory=list)
    # What the document itself says, used where the source's listing is silent.
    title: str = ""
    abstract: str = ""
    license: str = ""
    doi: str = ""
