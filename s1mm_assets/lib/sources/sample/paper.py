"""The content of one generated paper, before any format: text, sections, figures and where each is cited.

`plan_paper` decides everything a reader would notice (topic, title, figures, captions, the body sentences
citing each figure); the format writers only lay the same content out as LaTeX, JATS or PDF. Each figure is
placed right after the Results paragraph that first cites it, so figure numbers follow the reading order.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from s1mm_assets.lib.sources.sample import describe, prose
from s1mm_assets.lib.sources.sample.describe import Caption, Voice
from s1mm_assets.lib.sources.sample.figures import FigureSpec, available_kinds, make_figure
from s1mm_assets.lib.sources.sample.markup import Inline, Macro, Rich, to_plain
from s1mm_assets.lib.sources.sample.topics import Topic

_KIND_WEIGHTS = {
    "line_plot": 0.22,
    "scatter": 0.15,
    "bar_chart": 0.18,
    "heatmap": 0.12,
    "micrograph": 0.12,
    "diagram": 0.09,
    "multi_panel": 0.12,
}
_CS_TOPICS = ("vision", "learning", "signal_processing")

# Section titles per source, each with the sentence pool of `prose` it draws from; "results" holds the
# paragraphs that first cite the figures.
_LAYOUTS = {
    "arxiv_cs": (
        ("Introduction", "introduction"),
        ("Method", "methods"),
        ("Experiments", "results"),
        ("Conclusion", "discussion"),
    ),
    "arxiv": (
        ("Introduction", "introduction"),
        ("Methods", "methods"),
        ("Results", "results"),
        ("Discussion", "discussion"),
    ),
    "biorxiv": (
        ("Introduction", "introduction"),
        ("Results", "results"),
        ("Discussion", "discussion"),
        ("Materials and Methods", "methods"),
    ),
    "medrxiv": (
        ("Introduction", "introduction"),
        ("Methods", "methods"),
        ("Results", "results"),
        ("Discussion", "discussion"),
    ),
    "nature_communications": (
        ("Introduction", "introduction"),
        ("Results", "results"),
        ("Discussion", "discussion"),
        ("Methods", "methods"),
    ),
    "chemrxiv": (
        ("Introduction", "introduction"),
        ("Results and Discussion", "results"),
        ("Conclusions", "discussion"),
        ("Experimental Section", "methods"),
    ),
}
_LETTER_STYLES = {"arxiv": "(a)", "biorxiv": "A", "medrxiv": "A", "nature_communications": "a", "chemrxiv": "(a)"}
_REF_PREFIXES = {
    "arxiv": ("Figure", "Fig."),
    "biorxiv": ("Figure",),
    "medrxiv": ("Figure",),
    "nature_communications": ("Fig.",),
    "chemrxiv": ("Figure", "Fig."),
}


@dataclasses.dataclass(frozen=True, eq=False)
class PlannedFigure:
    spec: FigureSpec
    caption: Caption
    citing: tuple[Rich, ...]
    as_subfigures: bool = False  # LaTeX: each panel its own image inside `subfigure` environments
    problem: str | None = None  # LaTeX: "tikz" (drawn in TikZ, no image) or "missing_file"
    image_format: str | None = None  # LaTeX: the image file's format when it must not be left to chance


@dataclasses.dataclass(frozen=True)
class FigureBlock:
    index: int


Paragraph = tuple[Rich, ...]


@dataclasses.dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Paragraph | FigureBlock, ...]


@dataclasses.dataclass(frozen=True, eq=False)
class PaperContent:
    source: str
    topic: Topic
    categories: tuple[str, ...]
    title: str
    authors: tuple[str, ...]
    affiliations: tuple[str, ...]
    abstract: tuple[Rich, ...]
    sections: tuple[Section, ...]
    figures: tuple[PlannedFigure, ...]
    method_name: str = ""
    macro: Macro | None = None  # the LaTeX macro the paper defines for its method name

    @property
    def abstract_text(self) -> str:
        return " ".join(to_plain(sentence) for sentence in self.abstract)


@dataclasses.dataclass(frozen=True)
class Features:
    """Format quirks a paper must show, decided by the source backend from the paper's place in its partition."""

    subfigures: bool = False
    problem: str | None = None
    extra_paragraphs: int = 0  # PDFs need more text to fill three pages


def plan_paper(source: str, topic: Topic, rng: np.random.Generator, features: Features = Features()) -> PaperContent:
    method_name = topic.method_names[int(rng.integers(len(topic.method_names)))] if topic.method_names else ""
    macro = Macro("method", method_name) if source == "arxiv" and method_name and rng.random() < 0.6 else None
    method: Inline = macro or method_name
    voice = Voice(topic, _LETTER_STYLES[source], _REF_PREFIXES[source], method_name, method)
    category_options = topic.categories[source]
    categories = category_options[int(rng.integers(len(category_options)))]

    title = prose.title(topic, method_name, rng, title_case=source == "arxiv" and rng.random() < 0.5)
    authors = prose.authors(rng)
    affiliations = prose.affiliations(source, rng)
    abstract = prose.abstract(topic, method, method_name, rng)

    kinds = _figure_kinds(topic, rng, features)
    specs = [make_figure(kind, topic, rng, voice.letter_style, method_name) for kind in kinds]
    figures = []
    for index, (kind, spec) in enumerate(zip(kinds, specs, strict=True)):
        subfigures = features.subfigures and kind == "multi_panel"
        problem = None
        if features.problem == "tikz" and kind == "diagram":
            problem = "tikz"
        elif features.problem == "missing_file" and index == len(kinds) - 1:
            problem = "missing_file"
        figures.append(
            PlannedFigure(
                spec,
                describe.caption_for(spec, voice, rng, separate_panels=subfigures),
                describe.citing_sentences(spec, index, voice, rng),
                subfigures,
                problem,
            )
        )

    layout = _LAYOUTS["arxiv_cs" if source == "arxiv" and topic.key in _CS_TOPICS else source]
    sections = _sections(layout, figures, topic, method, method_name, rng, features.extra_paragraphs)
    return PaperContent(
        source,
        topic,
        tuple(categories),
        title,
        authors,
        affiliations,
        abstract,
        sections,
        tuple(figures),
        method_name,
        macro,
    )


def _figure_kinds(topic: Topic, rng: np.random.Generator, features: Features) -> list[str]:
    available = list(available_kinds(topic))
    weights = np.array([_KIND_WEIGHTS[kind] for kind in available])
    count = int(rng.integers(2, 6))
    kinds = [
        available[int(i)]
        for i in rng.choice(len(available), size=min(count, len(available)), replace=False, p=weights / weights.sum())
    ]
    required = "multi_panel" if features.subfigures else "diagram" if features.problem == "tikz" else None
    if required and required not in kinds:
        kinds[-1] = required
    # A schematic opens a paper, as Figure 1 usually does.
    return sorted(kinds, key=lambda kind: kind != "diagram")


def _sections(
    layout: tuple[tuple[str, str], ...],
    figures: list[PlannedFigure],
    topic: Topic,
    method: Inline,
    method_name: str,
    rng: np.random.Generator,
    extra_paragraphs: int,
) -> tuple[Section, ...]:
    used: set[str] = set()

    def filler(pool: str, count: int) -> list[Rich]:
        return prose.paragraph(pool, topic, method, method_name, rng, used, count)

    paragraphs: dict[str, list[list[Rich]]] = {}
    for _, pool in layout:
        count = (len(figures) + 1 if pool == "results" else int(rng.integers(2, 4))) + extra_paragraphs
        sentences_per_paragraph = (2, 4) if pool == "results" else (3, 5)
        paragraphs[pool] = [filler(pool, int(rng.integers(*sentences_per_paragraph))) for _ in range(count)]

    # The first mention of each figure opens or joins its own Results paragraph; later mentions go to
    # other paragraphs (the closing Results paragraph or the Discussion) so they read as separate remarks.
    later_slots = [("results", len(figures)), *(("discussion", i) for i in range(len(paragraphs["discussion"])))]
    for index, figure in enumerate(figures):
        _insert(paragraphs["results"][index], figure.citing[0], rng)
        for position, slot in enumerate(rng.permutation(len(later_slots))[: len(figure.citing) - 1]):
            pool, paragraph_index = later_slots[int(slot)]
            _insert(paragraphs[pool][paragraph_index], figure.citing[position + 1], rng)

    sections = []
    for title, pool in layout:
        blocks: list[Paragraph | FigureBlock] = []
        for index, sentences in enumerate(paragraphs[pool]):
            blocks.append(tuple(sentences))
            if pool == "results" and index < len(figures):
                blocks.append(FigureBlock(index))
        sections.append(Section(title, tuple(blocks)))
    return tuple(sections)


def _insert(paragraph: list[Rich], sentence: Rich, rng: np.random.Generator) -> None:
    paragraph.insert(int(rng.integers(0, len(paragraph) + 1)), sentence)
