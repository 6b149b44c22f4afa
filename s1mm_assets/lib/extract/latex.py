"""Figures, captions and citing paragraphs from a LaTeX source bundle (arXiv).

The document is the main file (`\\documentclass` and `\\begin{document}`; arXiv's 00README names it when
there are several) with its `\\input`/`\\include`/`\\subfile`/`\\import` files inlined, comments and
`\\iffalse` blocks dropped, and the authors' own macros expanded. Files the document never reads are never
looked at, so stale figures in a bundle do not come out.

A figure is a `figure`, `figure*`, `wrapfigure` or `SCfigure` environment (or a `\\captionof{figure}` outside
one) with a caption; its panels are `subfigure` environments, `\\subfigure`/`\\subfloat`/`\\subcaptionbox`
commands or captioned minipages. One figure is one dataset sample: its image files are composed into one
picture (panels left to right, in rows) and each panel's caption is kept as a sub-figure under the parent
caption. Minipages in one environment that carry their own `\\caption` are separate figures, as LaTeX numbers
them. Figures drawn in LaTeX (TikZ, pgf, picture), placeholders and graphics missing from the bundle go to
quarantine with the reason.

Citing paragraphs are the body paragraphs that reference a figure's labels (`\\ref`, `\\cref`, `\\Cref`,
`\\autoref`, `\\subref`, `\\figref`-style macros once expanded) or name it as "Fig. N" in plain text;
references print as the numbers a reader sees.
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
import re

from s1mm_assets.lib.context import figure_numbers_mentioned
from s1mm_assets.lib.extract.bundle import BundleFiles, decode_text
from s1mm_assets.lib.extract.images import (
    RASTER_SUFFIXES,
    VECTOR_SUFFIXES,
    UnusableImage,
    compose_panels,
    figure_image_from_file,
)
from s1mm_assets.lib.extract.latex_source import (
    BASE_MARKER,
    command_arguments,
    expand_includes,
    expand_macros,
    read_group,
    strip_comments,
    to_text,
    user_macros,
)
from s1mm_assets.lib.extract.records import ExtractedFigure, Extraction, FigureImage, FigureProblem, SubFigure

_FIGURE_ENV = re.compile(r"\\begin\{(figure\*?|wrapfigure|SCfigure|sidewaysfigure)\}(.*?)\\end\{\1\}", re.DOTALL)
_TABLE_ENV = re.compile(r"\\begin\{(table\*?|wraptable|sidewaystable)\}(.*?)\\end\{\1\}", re.DOTALL)
_PANEL_ENV = re.compile(r"\\begin\{(subfigure|minipage)\}(.*?)\\end\{\1\}", re.DOTALL)
_PANEL_COMMANDS = ("subfigure", "subfloat", "subcaptionbox", "sidesubfloat")
_REF = re.compile(r"\\(ref|cref|Cref|autoref|Autoref|subref|figref|Figref|vref|cpageref|nameref)\*?\s*\{([^}]*)\}")
_CITE = re.compile(r"\\(cite[a-zA-Z]*|nocite)\*?\s*(?:\[[^\]]*\]\s*){0,2}\{([^}]*)\}")
_GRAPHICS = re.compile(r"\\(includegraphics|epsfbox|epsffile|plotone|plotfiddle|includesvg)\*?(?![A-Za-z])")
_EPSFIG = re.compile(r"\\(epsfig|psfig)\s*\{([^}]*)\}")
_DRAWN_IN_LATEX = re.compile(
    r"\\begin\{(tikzpicture|pgfpicture|picture|pspicture|tikzcd|circuitikz)\}|\\pgfimage|\\xymatrix"
)
# pdflatex's own order for \includegraphics{name} without an extension, then what latex+dvips reads.
_IMPLICIT_EXTENSIONS = ("", ".pdf", ".png", ".jpg", ".mps", ".jpeg", ".PDF", ".PNG", ".JPG", ".JPEG", ".eps", ".ps")
_MAIN_NAMES = ("main", "ms", "paper", "article", "manuscript", "arxiv")
_NOT_MAIN = re.compile(r"rebuttal|response|reply|cover|letter|supp|appendix|poster|slides|abstract", re.IGNORECASE)
_PANEL_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_FIGURE_NUMBER_FORMAT = re.compile(r"\\renewcommand\*?\s*\{?\\thefigure\}?\s*\{([A-Za-z.-]*)\\arabic\{figure\}\}")
# How cleveref and hyperref print a reference to a figure (cleveref's defaults).
_NAMED_REFERENCES = {
    "cref": ("fig.", "figs."),
    "Cref": ("Fig.", "Figs."),
    "autoref": ("Figure", "Figures"),
    "Autoref": ("Figure", "Figures"),
}


def extract_latex(bundle: BundleFiles, dpi: int = 150) -> Extraction:
    extraction = Extraction(extractor="latex")
    main_name = find_main_file(bundle)
    if main_name is None:
        extraction.problems.append(FigureProblem("", "no_main_file", "no .tex file with \\documentclass"))
        return extraction
    document = _read_document(bundle, main_name, extraction)
    extraction.title = document.title()
    abstract = re.search(r"\\begin\{abstract\}(.*?)\\end\{abstract\}", document.body, re.DOTALL)
    if abstract:
        extraction.abstract = document.render(abstract.group(1))

    for item in document.figures:
        figure = _extract_figure(item, document, bundle, dpi, extraction)
        if figure is not None:
            extraction.figures.append(figure)
    if extraction.figures:
        paragraphs = [(paragraph, document.render(paragraph)) for paragraph in document.paragraphs()]
        mentioned = [set(figure_numbers_mentioned(text)) for _, text in paragraphs]
        for figure in extraction.figures:
            labels = document.labels_of(figure.figure_key)
            figure.citing_paragraphs = [
                text
                for (latex, text), numbers in zip(paragraphs, mentioned, strict=True)
                if _references(latex, labels) or figure.number in numbers
            ]
    return extraction


def find_main_file(bundle: BundleFiles) -> str | None:
    """The .tex file LaTeX would be run on: the one 00README names, else the best of those with
    \\documentclass and \\begin{document}: not read by another file, a usual name, not a rebuttal or cover
    letter, the most figures, the shallowest."""
    hinted = _readme_main_file(bundle)
    if hinted is not None:
        return hinted
    texts = {name: strip_comments(decode_text(bundle.files[name])) for name in bundle.names_with_suffix(".tex", ".ltx")}
    included = {
        posixpath.splitext(posixpath.basename(target.strip()))[0]
        for text in texts.values()
        for target in re.findall(r"\\(?:input|include|subfile)\s*\{([^}]+)\}", text)
    }
    candidates = []
    for name, text in texts.items():
        if not (re.search(r"\\document(class|style)", text) and "\\begin{document}" in text):
            continue
        stem = posixpath.splitext(posixpath.basename(name))[0]
        expanded, _ = expand_includes(text, posixpath.dirname(name), lambda path: _read_text(bundle, path))
        candidates.append(
            (
                stem in included and "subfiles" in text,
                bool(_NOT_MAIN.search(stem)),
                stem.lower() not in _MAIN_NAMES,
                -len(_FIGURE_ENV.findall(expanded)),
                name.count("/"),
                -len(text),
                name,
            )
        )
    return min(candidates)[-1] if candidates else None


def _readme_main_file(bundle: BundleFiles) -> str | None:
    for name in bundle.files:
        base = posixpath.basename(name)
        if base.startswith("00README") and base.endswith((".json", ".yaml", ".yml")):
            try:
                sources = json.loads(bundle.files[name]).get("sources", [])
            except (ValueError, AttributeError):
                sources = []
            for source in sources:
                if source.get("usage") == "toplevel" and source.get("filename") in bundle.files:
                    return source["filename"]
        elif base.startswith("00README"):
            for line in decode_text(bundle.files[name]).splitlines():
                parts = line.split()
                if len(parts) >= 2 and parts[1].lower() == "toplevelfile":
                    candidate = posixpath.normpath(posixpath.join(posixpath.dirname(name), parts[0]))
                    if candidate in bundle.files:
                        return candidate
    return None


@dataclasses.dataclass
class _FigureItem:
    ordinal: int
    number: str
    environment: str  # the LaTeX of the figure (environment body, or the group around a \captionof)
    caption: str | None  # LaTeX of the parent caption; None without any \caption
    labels: list[str]
    panels: list[_Panel]
    position: int  # offset in the body, for the graphics path and folder in effect there
    supplementary: bool = False  # numbered "S1", "S2", ... by the document


@dataclasses.dataclass
class _Panel:
    latex: str
    caption: str | None
    labels: list[str]


class _Document:
    """The expanded document: its text, figures, numbering of figures and tables, and rendering to text."""

    def __init__(self, preamble: str, body: str, main_folder: str, bibliography: dict[str, str], macros: dict):
        self.preamble, self.body, self.main_folder, self.macros = preamble, body, main_folder, macros
        formats = _FIGURE_NUMBER_FORMAT.findall(preamble)
        self.figures = _find_figures(body, formats[-1] if formats else "")
        self.figure_labels = {
            label for item in self.figures for label in item.labels + [x for p in item.panels for x in p.labels]
        }
        self.numbers: dict[str, str] = {}
        for item in self.figures:
            for label in item.labels:
                self.numbers[label] = item.number
            for index, panel in enumerate(item.panels):
                for label in panel.labels:
                    self.numbers[label] = f"{item.number}{_PANEL_LETTERS[index % 26]}"
        for ordinal, match in enumerate(_TABLE_ENV.finditer(body), start=1):
            for _, label, _ in command_arguments(match.group(2), "label"):
                self.numbers.setdefault(label.strip(), str(ordinal))
        self.citations = _citation_numbers(body, bibliography)

    def title(self) -> str:
        found = command_arguments(self.preamble + self.body, "title")
        return self.render(expand_macros(found[0][1], self.macros)) if found else ""

    def labels_of(self, figure_key: str) -> set[str]:
        for item in self.figures:
            if figure_key in item.labels or figure_key == f"figure-{item.ordinal}":
                return set(item.labels) | {label for panel in item.panels for label in panel.labels}
        return set()

    def render(self, latex: str) -> str:
        """Text as a reader sees it: references as numbers, citations as the bibliography prints them."""

        def reference(match: re.Match) -> str:
            command, keys = match.group(1), [key.strip() for key in match.group(2).split(",")]
            numbers = [self.numbers.get(key, "?") for key in keys]
            if command == "subref":
                return ", ".join(f"({number[-1]})" if number[-1:].isalpha() else number for number in numbers)
            joined = " and ".join(numbers) if len(numbers) == 2 else ", ".join(numbers)
            if command in _NAMED_REFERENCES and all(key in self.figure_labels for key in keys):
                singular, plural = _NAMED_REFERENCES[command]
                return f"{plural if len(numbers) > 1 else singular} {joined}"
            return joined

        latex = _REF.sub(reference, latex)
        latex = _CITE.sub(lambda match: self.citations.render(match.group(1), match.group(2)), latex)
        latex = re.sub(rf"\\(label|{BASE_MARKER[1:]})\s*\{{[^}}]*\}}", "", latex)
        return to_text(latex)

    def paragraphs(self) -> list[str]:
        """Body paragraphs outside figures and tables, split at blank lines, \\par and headings."""
        text = _FIGURE_ENV.sub("\n\n", self.body)
        text = _TABLE_ENV.sub("\n\n", text)
        text = re.sub(
            r"\\(?:part|chapter|section|subsection|subsubsection|paragraph)\b", lambda m: "\n\n" + m.group(0), text
        )
        return [paragraph.strip() for paragraph in re.split(r"\n\s*\n|\\par\b", text) if paragraph.strip()]


def _read_document(bundle: BundleFiles, main_name: str, extraction: Extraction) -> _Document:
    folder = posixpath.dirname(main_name)
    expanded, missing_inputs = expand_includes(
        strip_comments(decode_text(bundle.files[main_name])), folder, lambda path: _read_text(bundle, path)
    )
    for name in missing_inputs:
        extraction.problems.append(FigureProblem("", "missing_input", f"\\input{{{name}}} is not in the bundle"))
    preamble, _, body = expanded.partition("\\begin{document}")
    body = body.partition("\\end{document}")[0]
    macros = user_macros(preamble + body)
    return _Document(preamble, expand_macros(body, macros), folder, _bibliography(bundle, main_name), macros)


# --- figures ----------------------------------------------------------------------------------------------


def _find_figures(body: str, prefix_in_preamble: str = "") -> list[_FigureItem]:
    """Every captioned figure in document order, numbered as LaTeX numbers them (per chapter in books)."""
    spans: list[tuple[int, str]] = [(match.start(), match.group(2)) for match in _FIGURE_ENV.finditer(body)]
    inside = [(match.start(), match.end()) for match in _FIGURE_ENV.finditer(body)]
    for match in re.finditer(r"\\captionof\s*\{figure\}", body):
        if not any(start <= match.start() < end for start, end in inside):
            spans.append((match.start(), _group_around(body, match.start())))
    spans.sort()
    chapters = [(match.start(), match.group(0)) for match in re.finditer(r"\\chapter\s*(?=[\[{])|\\appendix\b", body)]
    # Supplementary sections renumber figures: \renewcommand{\thefigure}{S\arabic{figure}}, \setcounter{figure}{0}
    prefixes = [(match.start(), match.group(1)) for match in _FIGURE_NUMBER_FORMAT.finditer(body)]
    resets = [match.start() for match in re.finditer(r"\\setcounter\s*\{figure\}\s*\{0\}", body)]
    items: list[_FigureItem] = []
    counters: dict[str, int] = {}
    counted_until = 0
    for position, environment in spans:
        if any(counted_until <= reset < position for reset in resets):
            counters.clear()
        counted_until = position
        chapter = _chapter_at(chapters, position)
        prefix = next((text for start, text in reversed(prefixes) if start < position), prefix_in_preamble)
        for figure_latex, caption, labels, panels in _split_environment(environment):
            number = ""
            if caption is not None:  # LaTeX's figure counter steps at each \caption, even an empty one
                counters[chapter] = counters.get(chapter, 0) + 1
                number = prefix + (f"{chapter}.{counters[chapter]}" if chapter else str(counters[chapter]))
            supplementary = prefix.upper().startswith("S")
            items.append(
                _FigureItem(len(items) + 1, number, figure_latex, caption, labels, panels, position, supplementary)
            )
    return items


def _chapter_at(chapters: list[tuple[int, str]], position: int) -> str:
    number, appendix = 0, False
    for start, command in chapters:
        if start > position:
            break
        if command.startswith("\\appendix"):
            appendix, number = True, 0
        else:
            number += 1
    if not number:
        return ""
    return _PANEL_LETTERS[number - 1].upper() if appendix else str(number)


def _group_around(body: str, position: int) -> str:
    """The environment (minipage, center, ...) or brace group that holds a \\captionof."""
    opening = None
    for match in re.finditer(r"\\begin\{(minipage|center|flushleft|flushright)\}", body[:position]):
        opening = match
    if opening is None:
        start = body.rfind("\n\n", 0, position)
        end = body.find("\n\n", position)
        return body[max(0, start) : end if end >= 0 else len(body)]
    end = body.find(f"\\end{{{opening.group(1)}}}", position)
    return body[opening.end() : end if end >= 0 else len(body)]


def _split_environment(environment: str) -> list[tuple[str, str | None, list[str], list[_Panel]]]:
    """(figure LaTeX, parent caption, labels, panels) for each figure the environment numbers."""
    panels, outer = _panels(environment)
    captions = _captions(outer)
    if len(captions) > 1 and not panels:
        # Side-by-side minipages, each with its own \caption: LaTeX numbers each one as a figure.
        figures = []
        for match in _PANEL_ENV.finditer(environment):
            inner = _captions(match.group(2))
            if inner:
                figures.append((match.group(2), inner[-1][1], _labels(match.group(2)), []))
        if len(figures) > 1:
            return figures
    return [(environment, captions[-1][1] if captions else None, _labels(outer), panels)]


def _panels(environment: str) -> tuple[list[_Panel], str]:
    """Sub-figures of an environment, and the environment with them taken out."""
    found: list[tuple[int, _Panel]] = []
    outer = environment
    for match in _PANEL_ENV.finditer(environment):
        kind, inner = match.group(1), match.group(2)
        if kind == "minipage":
            has_subcaption = bool(command_arguments(inner, "subcaption"))
            if _captions(inner) and not has_subcaption:
                continue  # a minipage with its own \caption is a figure of its own, not a panel
            if not has_subcaption and not _GRAPHICS.search(inner):
                continue  # layout only
        sub = _captions(inner, commands=("caption", "subcaption"))
        found.append((match.start(), _Panel(inner, sub[-1][1] if sub else None, _labels(inner))))
        outer = outer.replace(match.group(0), " ", 1)
    for command in _PANEL_COMMANDS:
        for match in re.finditer(rf"\\{command}\*?(?![A-Za-z])", outer):
            position, optional = match.end(), None
            if command == "subcaptionbox":
                caption_group = read_group(outer, position)
                if caption_group is None:
                    continue
                optional, position = caption_group
            else:
                while (bracket := read_group(outer, position, "[", "]")) is not None:
                    optional, position = bracket  # \subfloat[list entry][caption]: the last one is the caption
            content = read_group(outer, position)
            if content is None:
                continue
            found.append((match.start(), _Panel(content[0], optional, _labels(content[0] + (optional or "")))))
    if any(command in outer for command in _PANEL_COMMANDS):
        for command in _PANEL_COMMANDS:
            outer = _remove_commands(outer, command)
    found.sort(key=lambda item: item[0])
    return [panel for _, panel in found], outer


def _remove_commands(text: str, command: str) -> str:
    while (match := re.search(rf"\\{command}\*?(?![A-Za-z])", text)) is not None:
        position = match.end()
        groups = 2 if command == "subcaptionbox" else 1
        while (bracket := read_group(text, position, "[", "]")) is not None:
            position = bracket[1]
        for _ in range(groups):
            group = read_group(text, position)
            if group is None:
                break
            position = group[1]
        text = text[: match.start()] + " " + text[position:]
    return text


def _captions(latex: str, commands: tuple[str, ...] = ("caption",)) -> list[tuple[int, str]]:
    """(offset, long form) of each caption: `\\caption[short]{long}` and `\\captionof{figure}[short]{long}`."""
    captions = [(start, argument) for command in commands for _, argument, start in command_arguments(latex, command)]
    for match in re.finditer(r"\\captionof\s*\{figure\}", latex):
        position = match.end()
        optional = read_group(latex, position, "[", "]")
        group = read_group(latex, optional[1] if optional else position)
        if group is not None:
            captions.append((match.start(), group[0]))
    return sorted(captions)


def _labels(latex: str) -> list[str]:
    return [label.strip() for _, label, _ in command_arguments(latex, "label")]


def _extract_figure(
    item: _FigureItem, document: _Document, bundle: BundleFiles, dpi: int, extraction: Extraction
) -> ExtractedFigure | None:
    key = item.labels[-1] if item.labels else f"figure-{item.ordinal}"
    if item.caption is None:
        extraction.problems.append(FigureProblem(key, "no_caption", "figure environment without \\caption"))
        return None
    graphics = _graphics_references(item.environment)
    if not graphics:
        reason = "drawn_in_latex" if _DRAWN_IN_LATEX.search(item.environment) else "no_graphics"
        detail = (
            "drawn in LaTeX (TikZ/pgf/picture): no image file to extract"
            if reason == "drawn_in_latex"
            else "no \\includegraphics (a placeholder box or text)"
        )
        extraction.problems.append(FigureProblem(key, reason, detail))
        return None
    folders = _graphics_folders(document, item.position)
    images: list[FigureImage] = []
    warnings: list[str] = []
    for reference, options in graphics:
        name, found_elsewhere = _resolve_graphic(bundle, reference, folders)
        if name is None:
            extraction.problems.append(
                FigureProblem(key, "missing_file", f"graphic '{reference}' is not in the bundle")
            )
            return None
        if found_elsewhere:
            warnings.append(f"graphic '{reference}' found as {name}, outside the graphics path")
        try:
            images.append(figure_image_from_file(name, bundle.files[name], dpi=dpi, **_image_options(options)))
        except UnusableImage as error:
            extraction.problems.append(FigureProblem(key, "unusable_image", f"{name}: {error}"))
            return None
    subfigures = [
        SubFigure(label=f"({_PANEL_LETTERS[index % 26]})", caption=document.render(panel.caption))
        for index, panel in enumerate(item.panels)
        if panel.caption
    ]
    if len(images) > 1:
        warnings.append(f"composed from {len(images)} image files")
    caption = document.render(item.caption)
    if not caption:
        warnings.append("empty \\caption{}")
    image = compose_panels(images, warnings=warnings)
    return ExtractedFigure(
        figure_key=key,
        label=item.labels[-1] if item.labels else None,
        number=item.number,
        caption=caption,
        image=image,
        extractor="latex",
        subfigures=subfigures,
        warnings=warnings,
        supplementary=item.supplementary,
    )


def _graphics_references(environment: str) -> list[tuple[str, str]]:
    """(file reference, options) of every image the environment includes, in order."""
    found: list[tuple[int, str, str]] = []
    for match in _GRAPHICS.finditer(environment):
        position, options = match.end(), ""
        while (bracket := read_group(environment, position, "[", "]")) is not None:
            options, position = bracket
        group = read_group(environment, position)
        if group is not None:
            found.append((match.start(), group[0], options))
    for match in re.finditer(r"\\plottwo\s*", environment):
        first = read_group(environment, match.end())
        second = read_group(environment, first[1]) if first else None
        found += [(match.start(), group[0], "") for group in (first, second) if group]
    for match in _EPSFIG.finditer(environment):
        named = re.search(r"(?:file|figure)\s*=\s*([^,}]+)", match.group(2))
        if named:
            found.append((match.start(), named.group(1), match.group(2)))
    return [(reference.strip().strip('"').strip(), options) for _, reference, options in sorted(found)]


def _image_options(options: str) -> dict:
    chosen = {}
    page = re.search(r"\bpage\s*=\s*(\d+)", options)
    if page:
        chosen["page"] = int(page.group(1))
    angle = re.search(r"\bangle\s*=\s*(-?\d+)", options)
    if angle:
        chosen["angle"] = int(angle.group(1))
    return chosen


def _graphics_folders(document: _Document, position: int) -> list[str]:
    """Where \\includegraphics looks at this point of the document: the folder of the file being read (an
    \\import changes it), then the \\graphicspath entries in effect, relative to the main folder."""
    before = document.preamble + "\\begin{document}" + document.body[:position]
    bases = re.findall(re.escape(BASE_MARKER) + r"\{([^}]*)\}", document.body[:position])
    base = bases[-1] if bases else document.main_folder
    folders = [base]
    paths = command_arguments(before, "graphicspath")
    if paths:
        for entry in re.findall(r"\{([^{}]*)\}", paths[-1][1]):
            folders.append(posixpath.normpath(posixpath.join(base, entry)))
            folders.append(posixpath.normpath(posixpath.join(document.main_folder, entry)))
    if document.main_folder not in folders:
        folders.append(document.main_folder)
    return list(dict.fromkeys(folders))


def _resolve_graphic(bundle: BundleFiles, reference: str, folders: list[str]) -> tuple[str | None, bool]:
    """The bundle file LaTeX would read for `reference`; else a file of that name elsewhere in the bundle
    (authors flatten folders when uploading); (None, False) when there is none."""
    reference = re.sub(r"[{}]", "", reference).strip()
    usable = RASTER_SUFFIXES + VECTOR_SUFFIXES
    for folder in folders:
        for extension in _IMPLICIT_EXTENSIONS:
            candidate = posixpath.normpath(posixpath.join(folder, reference + extension))
            if candidate in bundle.files and candidate.lower().endswith(usable):
                return candidate, False
    stem = posixpath.basename(reference)
    for extension in _IMPLICIT_EXTENSIONS:
        matches = [
            name
            for name in bundle.files
            if posixpath.basename(name) == stem + extension and name.lower().endswith(usable)
        ]
        if len(matches) == 1:
            return matches[0], True
    return None, False


def _references(paragraph: str, labels: set[str]) -> bool:
    return any(key.strip() in labels for _, keys in _REF.findall(paragraph) for key in keys.split(","))


# --- bibliography -----------------------------------------------------------------------------------------


class _Citations:
    """Citations as a reader sees them: "[3]" in numbered styles, "Smith et al. (2020)" where the .bbl gives
    natbib's author-year labels."""

    def __init__(self, order: dict[str, int], author_year: dict[str, tuple[str, str]]):
        self.order, self.author_year = order, author_year

    def render(self, command: str, keys: str) -> str:
        keys_list = [key.strip() for key in keys.split(",") if key.strip()]
        if command == "nocite":
            return ""
        if keys_list and all(key in self.author_year for key in keys_list):
            entries = [self.author_year[key] for key in keys_list]
            if command in ("citet", "Citet", "citeauthor", "citealt"):
                return "; ".join(
                    f"{authors} ({year})" if command != "citeauthor" else authors for authors, year in entries
                )
            return "(" + "; ".join(f"{authors}, {year}" for authors, year in entries) + ")"
        numbers = [str(self.order[key]) for key in keys_list if key in self.order]
        return f"[{', '.join(numbers)}]" if numbers else "[?]"


def _bibliography(bundle: BundleFiles, main_name: str) -> dict[str, str]:
    """key -> natbib label ("Smith et al.(2020)") or "" from the .bbl beside the main file, in order."""
    stem = posixpath.splitext(main_name)[0]
    names = [f"{stem}.bbl"] + bundle.names_with_suffix(".bbl")
    for name in names:
        if name in bundle.files:
            entries: dict[str, str] = {}
            for optional, key in re.findall(
                r"\\bibitem\s*(?:\[((?:[^\[\]]|\[[^\]]*\])*)\])?\s*\{([^}]+)\}", decode_text(bundle.files[name])
            ):
                entries.setdefault(key.strip(), optional or "")
            return entries
    return {}


def _citation_numbers(body: str, bibliography: dict[str, str]) -> _Citations:
    order: dict[str, int] = {}
    author_year: dict[str, tuple[str, str]] = {}
    if bibliography:
        order = {key: index for index, key in enumerate(bibliography, start=1)}
        for key, label in bibliography.items():
            natbib = re.match(r"(.+?)\((\d{4}[a-z]?)\)", label)
            if natbib:
                author_year[key] = (to_text(natbib.group(1)).strip(), natbib.group(2))
    else:
        for match in _CITE.finditer(body):
            for key in match.group(2).split(","):
                order.setdefault(key.strip(), len(order) + 1)
    return _Citations(order, author_year)


# --- helpers -----------------------------------------------------------------------------------------------


def _read_text(bundle: BundleFiles, path: str) -> str | None:
    data = bundle.files.get(path)
    return None if data is None else decode_text(data)
