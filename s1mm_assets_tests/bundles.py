"""Small hand-made paper bundles for tests: each one exercises a specific case an extractor must handle."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile

import numpy as np
import pymupdf
from PIL import Image


def png_bytes(width: int = 120, height: int = 90, seed: int = 0) -> bytes:
    """A non-blank test image (random coloured noise over a gradient)."""
    generator = np.random.default_rng(seed)
    gradient = np.linspace(0, 255, width, dtype=np.uint8)[None, :, None].repeat(height, 0).repeat(3, 2)
    noise = generator.integers(0, 60, size=(height, width, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(gradient // 2 + noise).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(width: int = 100, height: int = 80, seed: int = 1) -> bytes:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(png_bytes(width, height, seed))).convert("RGB").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def pdf_figure_bytes() -> bytes:
    """A one-page vector figure like matplotlib writes: a framed curve with an axis label."""
    document = pymupdf.open()
    page = document.new_page(width=200, height=150)
    page.draw_rect(pymupdf.Rect(20, 10, 190, 130), color=(0, 0, 0))
    page.draw_polyline([(20, 120), (60, 90), (100, 70), (140, 40), (190, 20)], color=(0.1, 0.3, 0.8), width=2)
    page.insert_text((80, 145), "time (s)", fontsize=9)
    return document.tobytes()


def tar_gz(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zip_bytes(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def gzip_bytes(data: bytes | str) -> bytes:
    return gzip.compress(data.encode() if isinstance(data, str) else data, mtime=0)


LATEX_MAIN = r"""\documentclass{article}
\usepackage{graphicx}
\graphicspath{{figs/}}
\newcommand{\method}{DeepFlow}
\title{Measuring Flow with \method}
\begin{document}
\maketitle
\begin{abstract}
We measure turbulent flow with a new method.
\end{abstract}
\input{sections/results}
% \includegraphics{old_draft}
\iffalse
\begin{figure}\includegraphics{stale}\caption{A stale figure that is commented out.}\end{figure}
\fi
\end{document}
"""

LATEX_RESULTS = r"""\section{Results}
The velocity grows linearly, as Fig.~\ref{fig:velocity} shows. This is expected.
Another sentence without a figure.

The micrograph in Figure~\ref{fig:micro} reveals cracks. We also see (Fig.~\ref{fig:panels}) two regimes.

\begin{figure}[t]
\centering
\includegraphics[width=0.8\linewidth]{velocity}
\caption[Velocity]{Velocity of the \method{} tracer versus time, $\alpha = 10^{-3}$.}
\label{fig:velocity}
\end{figure}

\begin{figure*}
\includegraphics{micro.jpg}
\caption{Micrograph of the sample.\label{fig:micro}}
\end{figure*}

\begin{figure}
\begin{subfigure}{0.45\linewidth}\includegraphics{left}\caption{Laminar.}\end{subfigure}
\begin{subfigure}{0.45\linewidth}\includegraphics{right}\caption{Turbulent.}\end{subfigure}
\caption{Two regimes of the flow.}
\label{fig:panels}
\end{figure}

\begin{figure}
\begin{tikzpicture}\draw (0,0) -- (1,1);\end{tikzpicture}
\caption{A schematic drawn in TikZ.}
\label{fig:tikz}
\end{figure}

\begin{figure}
\includegraphics{not_shipped}
\caption{A figure whose file the authors forgot.}
\label{fig:missing}
\end{figure}
"""


def latex_bundle() -> bytes:
    return tar_gz(
        {
            "paper/main.tex": LATEX_MAIN,
            "paper/sections/results.tex": LATEX_RESULTS,
            "paper/figs/velocity.pdf": pdf_figure_bytes(),
            "paper/figs/micro.jpg": jpeg_bytes(),
            "paper/figs/left.png": png_bytes(seed=2),
            "paper/figs/right.png": png_bytes(seed=3),
            "paper/figs/stale.png": png_bytes(seed=4),
            "__MACOSX/paper/._main.tex": b"junk",
        }
    )


JATS_ARTICLE = """<?xml version="1.0" encoding="UTF-8"?>
<article xmlns:xlink="http://www.w3.org/1999/xlink" article-type="research-article">
<front><article-meta>
<article-id pub-id-type="doi">10.1101/2024.01.02.123456</article-id>
<title-group><article-title>Neurons that count</article-title></title-group>
<permissions><license xlink:href="http://creativecommons.org/licenses/by/4.0/"><license-p>CC BY</license-p></license></permissions>
<abstract><p>We show that neurons count.</p></abstract>
</article-meta></front>
<body><sec><title>Results</title>
<p>Firing rates rise with stimulus number (<xref ref-type="fig" rid="F1">Figure 1A</xref>). Unrelated text.</p>
<p>Both effects vanish under blockade (<xref ref-type="fig" rid="F1 F2">Figs. 1 and 2</xref>).</p>
<fig id="F1"><label>Figure 1.</label><caption><title>Rates rise.</title><p>(A) Mean firing rate. (B) Raster.</p></caption>
<graphic xlink:href="F1.large"/></fig>
<fig id="F2"><label>Figure 2.</label><caption><p>Blockade abolishes counting.</p></caption><graphic xlink:href="F2.large.jpg"/></fig>
<fig id="F3"><label>Figure 3.</label><caption><p>A figure whose image is missing.</p></caption><graphic xlink:href="F3.tif"/></fig>
</sec></body></article>
"""


def jats_bundle() -> bytes:
    """A MECA-style zip: PMC-style extension-less href for F1, a missing file for F3."""
    return zip_bytes(
        {
            "manifest.xml": "<manifest/>",
            "content/article.xml": JATS_ARTICLE,
            "content/F1.large.jpg": jpeg_bytes(seed=5),
            "content/F2.large.jpg": jpeg_bytes(seed=6),
        }
    )


def pdf_paper_bytes(two_figures: bool = True) -> bytes:
    """A two-page paper: a raster figure and a vector figure, each with a 'Figure N.' caption below it."""
    document = pymupdf.open()
    page = document.new_page(width=612, height=792)
    page.insert_textbox(pymupdf.Rect(72, 60, 540, 100), "Catalysts That Last", fontsize=20)
    page.insert_textbox(
        pymupdf.Rect(72, 110, 540, 170),
        "Abstract. We report catalysts that last ten times longer than before.",
        fontsize=10,
    )
    page.insert_image(pymupdf.Rect(150, 190, 450, 400), stream=png_bytes(300, 210, seed=7))
    page.insert_textbox(
        pymupdf.Rect(72, 410, 540, 450), "Figure 1. Turnover frequency of the catalyst over 100 hours.", fontsize=9
    )
    page.insert_textbox(
        pymupdf.Rect(72, 470, 540, 560),
        "The catalyst stays active for 100 hours (Figure 1). Its structure is shown in Fig. 2, which we discuss next.",
        fontsize=10,
    )
    if two_figures:
        second = document.new_page(width=612, height=792)
        second.draw_rect(pymupdf.Rect(150, 80, 450, 300), color=(0, 0, 0))
        second.draw_polyline([(150, 280), (250, 200), (350, 150), (450, 100)], color=(0.8, 0.1, 0.1), width=2)
        second.insert_text((280, 315), "pressure (bar)", fontsize=8)
        second.insert_textbox(
            pymupdf.Rect(72, 330, 540, 370), "Figure 2: Pressure dependence of the yield.", fontsize=9
        )
    return document.tobytes()
