"""Ground truth shipped with every generated paper, for the tests of the extractors downstream.

Captions and citing sentences are plain text as a reader sees them: LaTeX math rendered to Unicode
(`$\\alpha$` -> "α", `$10^{-3}$` -> "10⁻³", `$\\mu$m` -> "μm"), macros expanded, `~` read as a space, and the
figure label ("Figure 1.", "Fig. 1") not part of the caption. JATS captions join `<title>` and `<p>` with a space.
"""

from __future__ import annotations

import dataclasses

from s1mm_assets.lib.sources.base import PaperBundle


@dataclasses.dataclass(frozen=True)
class ExpectedFigure:
    number: str  # "1", as the figure is numbered in the paper
    label: str | None  # LaTeX \label ("fig:loss-curve"), JATS fig id ("F1", "Fig1"); None in PDFs
    caption: str
    figure_kind: str  # line_plot | scatter | bar_chart | heatmap | micrograph | diagram | multi_panel
    # "png", "jpg" or "pdf" of the image file; in PDF bundles the embedded raster, or "pdf" for a vector drawing.
    # None when the bundle has no image for the figure (the deliberately broken LaTeX figures).
    image_format: str | None
    citing_sentences: tuple[str, ...]
    extractable: bool = True
    problem: str | None = None  # "tikz" | "missing_file" for the deliberately broken LaTeX figures
    image_paths: tuple[str, ...] = ()  # files inside the bundle (several for LaTeX subfigures)
    subcaptions: tuple[str, ...] = ()  # LaTeX subfigure captions, in panel order
    page: int | None = None  # PDFs: the 1-based page the figure is drawn on


@dataclasses.dataclass(frozen=True)
class GeneratedPaper:
    bundle: PaperBundle
    figures: list[ExpectedFigure]
