"""arXiv source bundles: a gzipped tar of `main.tex`, `\\input` section files, figure files and a .bib.

The layout varies the way real submissions do: `\\graphicspath` or explicit `figures/` paths, file extensions
given or left for LaTeX to find, `figure` and `figure*`, a user macro in captions, `subfigure` panels, a stale
image no one includes behind a commented-out `\\includegraphics`. The broken cases a converter must survive
are on purpose: a figure drawn in TikZ (no image file) or an `\\includegraphics` of a file left out of the tar.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from s1mm_assets.lib.sources.sample import figures as figure_rendering
from s1mm_assets.lib.sources.sample.archives import tar_gz
from s1mm_assets.lib.sources.sample.expected import ExpectedFigure
from s1mm_assets.lib.sources.sample.figures import DiagramPanel, MicrographPanel, Panel
from s1mm_assets.lib.sources.sample.identity import Identity
from s1mm_assets.lib.sources.sample.markup import escape_latex, to_latex, to_plain
from s1mm_assets.lib.sources.sample.paper import FigureBlock, PaperContent, PlannedFigure

STALE_IMAGE = "figures/old_draft.png"
LINE_WIDTH = "\\linewidth"


def write_latex_bundle(
    content: PaperContent, identity: Identity, rng: np.random.Generator
) -> tuple[bytes, list[ExpectedFigure]]:
    use_graphicspath = bool(rng.random() < 0.5)
    with_stale_image = bool(rng.random() < 0.4)
    labels = _unique_labels(content.figures)
    files: dict[str, bytes] = {}
    expected: list[ExpectedFigure] = []
    environments: list[str] = []
    stale_reference = STALE_IMAGE.removesuffix(".png")
    if use_graphicspath:
        stale_reference = stale_reference.removeprefix("figures/")
    for index, figure in enumerate(content.figures):
        # A leftover from an earlier draft, commented out in the first figure: it must not be extracted.
        comment = f"  % \\includegraphics{{{stale_reference}}}\n" if with_stale_image and index == 0 else ""
        environment, paths = _figure_environment(figure, labels[index], labels, files, rng, use_graphicspath, comment)
        environments.append(environment)
        expected.append(_expected(figure, index, labels[index], paths))
    if with_stale_image:
        draft = figure_rendering.make_figure("line_plot", content.topic, rng, "(a)")
        files[STALE_IMAGE] = figure_rendering.render(draft, "png")

    section_inputs = []
    for section in content.sections:
        name = "-".join(section.title.lower().split())
        lines = [f"\\section{{{escape_latex(section.title)}}}", ""]
        for block in section.blocks:
            if isinstance(block, FigureBlock):
                lines += [environments[block.index], ""]
            else:
                lines += [" ".join(to_latex(sentence, labels) for sentence in block), ""]
        files[f"sections/{name}.tex"] = "\n".join(lines).encode()
        section_inputs.append(f"\\input{{sections/{name}{'.tex' if rng.random() < 0.4 else ''}}}")

    files["main.tex"] = _main_tex(content, section_inputs, use_graphicspath).encode()
    files["references.bib"] = _bibliography(content, rng).encode()
    timestamp = dt.datetime(identity.published.year, identity.published.month, 1)
    return tar_gz(files, timestamp), expected


def _unique_labels(planned: tuple[PlannedFigure, ...]) -> list[str]:
    labels: list[str] = []
    for figure in planned:
        label = f"fig:{figure.spec.slug}"
        while label in labels:
            label += "-2"
        labels.append(label)
    return labels


def _image_format(panel: Panel, rng: np.random.Generator) -> str:
    if isinstance(panel, MicrographPanel):
        return "jpg"
    return "pdf" if rng.random() < 0.45 else "png"


def _include(path: str, use_graphicspath: bool, rng: np.random.Generator, width: str) -> str:
    reference = path.removeprefix("figures/") if use_graphicspath else path
    if rng.random() < 0.4:
        reference = reference.rsplit(".", 1)[0]  # LaTeX finds the extension itself
    return f"\\includegraphics[width={width}]{{{reference}}}"


def _figure_environment(
    figure: PlannedFigure,
    label: str,
    labels: list[str],
    files: dict[str, bytes],
    rng: np.random.Generator,
    use_graphicspath: bool,
    comment: str,
) -> tuple[str, tuple[str, ...]]:
    spec = figure.spec
    wide = spec.kind == "multi_panel" or rng.random() < 0.2
    environment = "figure*" if wide else "figure"
    caption = to_latex(figure.caption.rich, labels)
    name = label.removeprefix("fig:")
    paths: tuple[str, ...] = ()
    if figure.problem == "tikz":
        body = _tikz(spec.panels[0])
    elif figure.as_subfigures:
        parts = []
        for panel_index, subcaption in enumerate(figure.caption.subcaptions):
            image_format = _image_format(spec.panels[panel_index], rng)
            path = f"figures/{name}-{'abcd'[panel_index]}.{image_format}"
            files[path] = figure_rendering.render_panel(spec, panel_index, image_format)
            paths += (path,)
            parts.append(
                f"  \\begin{{subfigure}}[b]{{{0.95 / len(spec.panels):.2f}\\linewidth}}\n"
                "    \\centering\n"
                f"    {_include(path, use_graphicspath, rng, LINE_WIDTH)}\n"
                f"    \\caption{{{to_latex(subcaption, labels)}}}\n"
                f"    \\label{{{label}-{'abcd'[panel_index]}}}\n"
                "  \\end{subfigure}"
            )
        body = "\n  \\hfill\n".join(parts)
    else:
        image_format = _image_format(spec.panels[0], rng)
        image_format = figure.image_format or image_format  # drawn anyway: the papers after it stay the same
        path = f"figures/{name}.{image_format}"
        if figure.problem != "missing_file":
            files[path] = figure_rendering.render(spec, image_format)
            paths = (path,)
        width = "\\textwidth" if wide else f"{rng.choice([0.7, 0.8, 0.9, 1.0]):.1f}\\linewidth"
        body = "  " + _include(path, use_graphicspath, rng, width)
    placement = rng.choice(["[t]", "[htbp]", "[h]", ""])
    return (
        f"\\begin{{{environment}}}{placement}\n  \\centering\n{comment}{body}\n  \\caption{{{caption}}}\n"
        f"  \\label{{{label}}}\n\\end{{{environment}}}"
    ), paths


def _tikz(panel: Panel) -> str:
    stages = panel.stages if isinstance(panel, DiagramPanel) else ("Input", "Model", "Output")
    nodes = [
        "  \\begin{tikzpicture}[node distance=3.2cm, every node/.style={draw, rounded corners, "
        "align=center, minimum height=1cm}]"
    ]
    for index, stage in enumerate(stages):
        position = f"[right of=s{index - 1}]" if index else ""
        nodes.append(f"    \\node{position} (s{index}) {{{escape_latex(stage)}}};")
    nodes += [f"    \\draw[->, thick] (s{index}) -- (s{index + 1});" for index in range(len(stages) - 1)]
    nodes.append("  \\end{tikzpicture}")
    return "\n".join(nodes)


def _expected(figure: PlannedFigure, index: int, label: str, paths: tuple[str, ...]) -> ExpectedFigure:
    image_format = paths[0].rsplit(".", 1)[1] if paths else None
    return ExpectedFigure(
        number=str(index + 1),
        label=label,
        caption=to_plain(figure.caption.rich),
        figure_kind=figure.spec.kind,
        image_format=image_format,
        citing_sentences=tuple(to_plain(sentence) for sentence in figure.citing),
        extractable=figure.problem is None,
        problem=figure.problem,
        image_paths=paths,
        subcaptions=tuple(to_plain(subcaption) for subcaption in figure.caption.subcaptions),
    )


def _main_tex(content: PaperContent, section_inputs: list[str], use_graphicspath: bool) -> str:
    preamble = [
        "\\documentclass[11pt]{article}",
        "\\usepackage[utf8]{inputenc}",
        "\\usepackage[T1]{fontenc}",
        "\\usepackage{graphicx,amsmath,subcaption}",
        "\\usepackage[margin=1in]{geometry}",
    ]
    if any(figure.problem == "tikz" for figure in content.figures):
        preamble.append("\\usepackage{tikz}")
    preamble.append("\\usepackage{hyperref}")
    if use_graphicspath:
        preamble.append("\\graphicspath{{figures/}}")
    if content.macro is not None:
        preamble.append(f"\\newcommand{{\\{content.macro.name}}}{{\\textsc{{{escape_latex(content.macro.text)}}}}}")
    authors = " \\and ".join(escape_latex(author) for author in content.authors)
    abstract = " ".join(to_latex(sentence) for sentence in content.abstract)
    return "\n".join(
        [
            *preamble,
            "",
            f"\\title{{{escape_latex(content.title)}}}",
            f"\\author{{{authors}}}",
            "\\date{}",
            "",
            "\\begin{document}",
            "\\maketitle",
            "",
            "\\begin{abstract}",
            abstract,
            "\\end{abstract}",
            "",
            *section_inputs,
            "",
            "\\bibliographystyle{plain}",
            "\\bibliography{references}",
            "",
            "\\end{document}",
            "",
        ]
    )


def _bibliography(content: PaperContent, rng: np.random.Generator) -> str:
    entries = []
    for number in range(int(rng.integers(3, 7))):
        author = content.authors[number % len(content.authors)].split(" ")[-1]
        year = int(rng.integers(2012, 2024))
        entries.append(
            f"@article{{{author.lower()}{year}{number},\n"
            f"  author = {{{author}, A. and Others}},\n"
            f"  title = {{On {content.topic.properties[number % len(content.topic.properties)]}}},\n"
            f"  journal = {{Journal of {content.topic.field.title()}}},\n"
            f"  year = {{{year}}},\n"
            f"  volume = {{{int(rng.integers(1, 90))}}},\n"
            f"  pages = {{{int(rng.integers(1, 900))}--{int(rng.integers(901, 999))}}}\n"
            "}\n"
        )
    return "\n".join(entries)
