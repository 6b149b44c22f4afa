"""Rich text for the generated papers: one sentence, rendered as LaTeX, JATS, HTML or the plain text a reader sees.

A `Rich` value is a tuple of inline pieces. Plain strings are ordinary text; the dataclasses mark the pieces each
format writes differently (math, emphasis, a LaTeX macro, a cross-reference to a figure). The plain rendering is
the ground truth the extractor tests compare against, so every format must render to the same plain text.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Iterable, Sequence

from lxml import etree


@dataclasses.dataclass(frozen=True)
class Math:
    """Inline math: `latex` goes between dollars, `text` is how it reads (`\\alpha` -> "α")."""

    latex: str
    text: str


@dataclasses.dataclass(frozen=True)
class Emph:
    text: str


@dataclasses.dataclass(frozen=True)
class Bold:
    text: str


@dataclasses.dataclass(frozen=True)
class Macro:
    """A user macro from the LaTeX preamble (`\\newcommand{\\name}{...}`); reads as `text`."""

    name: str
    text: str


@dataclasses.dataclass(frozen=True)
class FigureRef:
    """A mention of figure `index` (0-based): "Figure 2", "Fig. 2" or, with a panel, "Fig. 2b"."""

    index: int
    prefix: str = "Figure"
    panel: str = ""

    @property
    def text(self) -> str:
        return f"{self.prefix} {self.index + 1}{self.panel}"


Inline = str | Math | Emph | Bold | Macro | FigureRef
Rich = tuple[Inline, ...]

# Symbols that LaTeX sources write as math; plain text keeps the Unicode character a reader sees.
_SYMBOL_LATEX = {
    "α": r"\alpha",
    "β": r"\beta",
    "γ": r"\gamma",
    "δ": r"\delta",
    "Δ": r"\Delta",
    "η": r"\eta",
    "λ": r"\lambda",
    "μ": r"\mu",
    "σ": r"\sigma",
    "τ": r"\tau",
    "φ": r"\phi",
    "ψ": r"\psi",
    "χ": r"\chi",
    "ω": r"\omega",
    "±": r"\pm",
    "×": r"\times",
    "≤": r"\leq",
    "≥": r"\geq",
    "≈": r"\approx",
    "−": "-",
    "→": r"\rightarrow",
    "⊕": r"\oplus",
    "⊙": r"\odot",
    "√": r"\surd",
    "°": r"^{\circ}",
    "Ω": r"\Omega",
}
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+", strict=True))
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉", "0123456789", strict=True))

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "–": "--",
}


def join(*parts: Rich | Inline, separator: str = " ") -> Rich:
    """Concatenate rich fragments (or single pieces) with `separator` between them."""
    pieces: list[Inline] = []
    for position, part in enumerate(parts):
        if position and separator:
            pieces.append(separator)
        pieces.extend(part if isinstance(part, tuple) else (part,))
    return tuple(pieces)


def from_unicode(text: str) -> Rich:
    """Split plain Unicode into text and the math pieces a LaTeX author would type ("km s⁻¹" -> km s$^{-1}$)."""
    pieces: list[Inline] = []
    position = 0
    while position < len(text):
        char = text[position]
        script = _SUPERSCRIPTS if char in _SUPERSCRIPTS else _SUBSCRIPTS if char in _SUBSCRIPTS else None
        if script is not None:
            end = position
            while end < len(text) and text[end] in script:
                end += 1
            run = text[position:end]
            marker = "^" if script is _SUPERSCRIPTS else "_"
            pieces.append(Math(f"{marker}{{{''.join(script[c] for c in run)}}}", run))
            position = end
        elif char in _SYMBOL_LATEX:
            pieces.append(Math(_SYMBOL_LATEX[char], char))
            position += 1
        else:
            end = position
            while end < len(text) and not _is_symbol(text[end]):
                end += 1
            pieces.append(text[position:end])
            position = end
    return tuple(pieces)


def _is_symbol(char: str) -> bool:
    return char in _SYMBOL_LATEX or char in _SUPERSCRIPTS or char in _SUBSCRIPTS


def to_plain(rich: Iterable[Inline]) -> str:
    return "".join(piece if isinstance(piece, str) else piece.text for piece in rich)


def escape_latex(text: str) -> str:
    return "".join(_LATEX_SPECIALS.get(char, char) for char in text)


def to_latex(rich: Iterable[Inline], figure_labels: Sequence[str] = ()) -> str:
    parts = []
    for piece in rich:
        if isinstance(piece, str):
            parts.append(escape_latex(piece))
        elif isinstance(piece, Math):
            parts.append(f"${piece.latex}$")
        elif isinstance(piece, Emph):
            parts.append(rf"\emph{{{escape_latex(piece.text)}}}")
        elif isinstance(piece, Bold):
            parts.append(rf"\textbf{{{escape_latex(piece.text)}}}")
        elif isinstance(piece, Macro):
            parts.append(rf"\{piece.name}{{}}")
        else:
            parts.append(rf"{piece.prefix}~\ref{{{figure_labels[piece.index]}}}{piece.panel}")
    return "".join(parts)


def to_html(rich: Iterable[Inline]) -> str:
    parts = []
    for piece in rich:
        if isinstance(piece, Emph):
            parts.append(f"<i>{html.escape(piece.text)}</i>")
        elif isinstance(piece, Bold):
            parts.append(f"<b>{html.escape(piece.text)}</b>")
        else:
            parts.append(html.escape(piece if isinstance(piece, str) else piece.text))
    return "".join(parts)


def append_jats(
    parent: etree._Element, rich: Iterable[Inline], figure_ids: Sequence[str], link_number_only: bool = False
) -> None:
    """Append `rich` to `parent` as JATS mixed content.

    Figure mentions become `<xref ref-type="fig">`: bioRxiv links the whole "Figure 1", Nature journals link only
    the number and panel ("Fig. <xref>1a</xref>"), which is what `link_number_only` selects.
    """
    for piece in rich:
        if isinstance(piece, Emph | Bold):
            child = etree.SubElement(parent, "italic" if isinstance(piece, Emph) else "bold")
            child.text = piece.text
        elif isinstance(piece, FigureRef):
            number = f"{piece.index + 1}{piece.panel}"
            if link_number_only:
                _append_text(parent, f"{piece.prefix} ")
            xref = etree.SubElement(parent, "xref", {"ref-type": "fig", "rid": figure_ids[piece.index]})
            xref.text = number if link_number_only else piece.text
        else:
            _append_text(parent, piece if isinstance(piece, str) else piece.text)


def _append_text(parent: etree._Element, text: str) -> None:
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text
