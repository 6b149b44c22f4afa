"""Figures, captions and citing paragraphs from a LaTeX source bundle (arXiv)."""

from __future__ import annotations

import posixpath
import re

from s1mm_assets.lib.extract.bundle import BundleFiles
from s1mm_assets.lib.extract.images import (
    RASTER_SUFFIXES,
    VECTOR_SUFFIXES,
    UnusableImage,
    compose_panels,
    figure_image_from_file,
)
from s1mm_assets.lib.extract.latex_source import (
    command_arguments,
    expand_includes,
    expand_macros,
    read_group,
    simple_macros,
    strip_comments,
    to_text,
)
from s1mm_assets.lib.extract.records import ExtractedFigure, Extraction, FigureProblem, SubFigure

_FIGURE_ENV = re.compile(r"\\begin\{(figure\*?|wrapfigure|SCfigure)\}(.*?)\\end\{\1\}", re.DOTALL)
_SUBFIGURE_ENV = re.compile(r"\\begin\{(subfigure|minipage)\}(.*?)\\end\{\1\}", re.DOTALL)
_REF = re.compile(r"\\(?:ref|cref|Cref|autoref|figref|Figref|subref)\*?\s*\{([^}]*)\}")
_GRAPHICS_COMMANDS = ("includegraphics", "epsfig", "psfig", "epsfbox")
# LaTeX tries these, in this order, for \includegraphics{name} without an extension (pdflatex first).
_IMPLICIT_EXTENSIONS = ("", ".pdf", ".png", ".jpg", ".jpeg", ".eps", ".ps")
_DRAWN_IN_LATEX = re.compile(r"\\begin\{(tikzpicture|pgfpicture|picture|pspicture)\}")


def extract_latex(bundle: BundleFiles, dpi: int = 150) -> Extraction:
    extraction = Extraction(extractor="latex")
    main_name = find_main_file(bundle)
    if main_name is None:
        extraction.problems.append(FigureProblem("", "no_main_file", "no .tex file with \\documentclass"))
        return extraction
    folder = posixpath.dirname(main_name)
    document, missing_inputs = expand_includes(
        strip_comments(_decode(bundle.files[main_name])), folder, lambda path: _read_text(bundle, path)
    )
    preamble, _, body = document.partition("\\begin{document}")
    macros = simple_macros(preamble)
    graphics_folders = _graphics_folders(preamble, folder)

    extraction.title = _first_argument_text(preamble + body, "title", macros)
    abstract = re.search(r"\\begin\{abstract\}(.*?)\\end\{abstract\}", body, re.DOTALL)
    if abstract:
        extraction.abstract = to_text(expand_macros(abstract.group(1), macros))

    environments = list(_FIGURE_ENV.finditer(body))
    numbers = _figure_numbers([match.group(2) for match in environments])
    render = _Renderer(macros, numbers)
    paragraphs = _paragraphs(_FIGURE_ENV.sub(" ", body))

    for ordinal, match in enumerate(environments, start=1):
        figure = _extract_environment(match.group(2), ordinal, bundle, graphics_folders, render, dpi, extraction)
        if figure is None:
            continue
        labels = {label.strip() for _, label, _ in command_arguments(match.group(2), "label")}
        figure.citing_paragraphs = [render(paragraph) for paragraph in paragraphs if _cites(paragraph, labels)]
        extraction.figures.append(figure)
    for name in missing_inputs:
        extraction.problems.append(FigureProblem("", "missing_input", f"\\input{{{name}}} is not in the bundle"))
    return extraction


def find_main_file(bundle: BundleFiles) -> str | None:
    """The .tex file LaTeX would be run on: it has \\documentclass and \\begin{document}."""
    candidates = []
    for name in bundle.names_with_suffix(".tex", ".ltx"):
        text = strip_comments(_decode(bundle.files[name]))
        if re.search(r"\\document(class|style)", text) and "\\begin{document}" in text:
            preferred = posixpath.splitext(posixpath.basename(name))[0].lower() in ("main", "ms", "paper", "article")
            candidates.append((not preferred, name.count("/"), -len(text), name))
    return min(candidates)[3] if candidates else None


class _Renderer:
    """LaTeX fragment -> text, with figure references printed as the figure numbers a reader would see."""

    def __init__(self, macros: dict[str, str], numbers: dict[str, str]):
        self.macros = macros
        self.numbers = numbers

    def __call__(self, latex: str) -> str:
        latex = expand_macros(latex, self.macros)
        latex = _REF.sub(
            lambda match: ", ".join(self.numbers.get(key.strip(), "?") for key in match.group(1).split(",")), latex
        )
        latex = re.sub(r"\\(?:cite|citep|citet|citealp|citeauthor)\*?(\[[^\]]*\])*\s*\{[^}]*\}", "[citation]", latex)
        return to_text(latex)


def _extract_environment(
    environment: str,
    ordinal: int,
    bundle: BundleFiles,
    graphics_folders: list[str],
    render: _Renderer,
    dpi: int,
    extraction: Extraction,
) -> ExtractedFigure | None:
    caption_latex = _long_caption(environment)
    labels = [argument for _, argument, _ in command_arguments(environment, "label")]
    label = labels[-1].strip() if labels else None
    key = label or f"figure-{ordinal}"
    if caption_latex is None:
        extraction.problems.append(FigureProblem(key, "no_caption", "figure environment without \\caption"))
        return None

    references = _graphics_references(environment)
    if not references:
        reason = "drawn_in_latex" if _DRAWN_IN_LATEX.search(environment) else "no_graphics"
        extraction.problems.append(
            FigureProblem(
                key, reason, "the figure has no image file to extract (TikZ/picture drawing or no \\includegraphics)"
            )
        )
        return None
    panels = []
    for reference in references:
        name = _resolve_graphic(bundle, reference, graphics_folders)
        if name is None:
            extraction.problems.append(
                FigureProblem(key, "missing_file", f"graphic '{reference}' is not in the bundle")
            )
            return None
        try:
            panels.append(figure_image_from_file(name, bundle.files[name], dpi=dpi))
        except UnusableImage as error:
            extraction.problems.append(FigureProblem(key, "unusable_image", f"{name}: {error}"))
            return None

    subfigures = []
    for panel_index, match in enumerate(_SUBFIGURE_ENV.finditer(environment)):
        sub_caption = _long_caption(match.group(2))
        if sub_caption is not None:
            subfigures.append(SubFigure(label=f"({chr(ord('a') + panel_index)})", caption=render(sub_caption)))
    # The parent caption is the last \caption outside the panels.
    outer = _SUBFIGURE_ENV.sub(" ", environment)
    parent = _long_caption(outer)
    caption = render(parent if parent is not None else caption_latex)
    return ExtractedFigure(
        figure_key=key,
        label=label,
        number=render.numbers.get(label or "", str(ordinal)),
        caption=caption,
        image=compose_panels(panels),
        extractor="latex",
        subfigures=subfigures,
        warnings=[f"composed from {len(panels)} panel files"] if len(panels) > 1 else [],
    )


def _long_caption(environment: str) -> str | None:
    """The last caption's long form: `\\caption[short]{long}` and `\\captionof{figure}[short]{long}` give `long`."""
    captions = [(start, argument) for _, argument, start in command_arguments(environment, "caption")]
    for match in re.finditer(r"\\captionof\s*\{[^}]*\}", environment):
        position = match.end()
        optional = read_group(environment, position, "[", "]")
        group = read_group(environment, optional[1] if optional else position)
        if group is not None:
            captions.append((match.start(), group[0]))
    return max(captions)[1] if captions else None


def _cites(paragraph: str, labels: set[str]) -> bool:
    return any(key.strip() in labels for reference in _REF.findall(paragraph) for key in reference.split(","))


def _graphics_references(environment: str) -> list[str]:
    references = [
        argument.strip()
        for command in ("includegraphics", "epsfbox")
        for _, argument, _ in command_arguments(environment, command)
    ]
    for command in ("epsfig", "psfig"):
        for _, argument, _ in command_arguments(environment, command):
            found = re.search(r"(?:file|figure)\s*=\s*([^,}]+)", argument)
            if found:
                references.append(found.group(1).strip())
    return references


def _resolve_graphic(bundle: BundleFiles, reference: str, graphics_folders: list[str]) -> str | None:
    reference = reference.strip().strip('"')
    for folder in graphics_folders:
        for extension in _IMPLICIT_EXTENSIONS:
            candidate = posixpath.normpath(posixpath.join(folder, reference + extension))
            if candidate in bundle.files and candidate.lower().endswith(RASTER_SUFFIXES + VECTOR_SUFFIXES):
                return candidate
    return None


def _graphics_folders(preamble: str, main_folder: str) -> list[str]:
    folders = [main_folder]
    for _, argument, _ in command_arguments(preamble, "graphicspath"):
        folders += [
            posixpath.normpath(posixpath.join(main_folder, entry)) for entry in re.findall(r"\{([^}]*)\}", argument)
        ]
    return folders


def _figure_numbers(environments: list[str]) -> dict[str, str]:
    numbers: dict[str, str] = {}
    for ordinal, environment in enumerate(environments, start=1):
        outer = _SUBFIGURE_ENV.sub(" ", environment)
        for _, label, _ in command_arguments(outer, "label"):
            numbers[label.strip()] = str(ordinal)
        for panel_index, match in enumerate(_SUBFIGURE_ENV.finditer(environment)):
            for _, label, _ in command_arguments(match.group(2), "label"):
                numbers[label.strip()] = f"{ordinal}{chr(ord('a') + panel_index)}"
    return numbers


def _paragraphs(body: str) -> list[str]:
    return [paragraph.strip() for paragraph in re.split(r"\n\s*\n|\\par\b", body) if paragraph.strip()]


def _first_argument_text(text: str, command: str, macros: dict[str, str]) -> str:
    found = command_arguments(text, command)
    return to_text(expand_macros(found[0][1], macros)) if found else ""


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _read_text(bundle: BundleFiles, path: str) -> str | None:
    data = bundle.files.get(path)
    return None if data is None else _decode(data)
