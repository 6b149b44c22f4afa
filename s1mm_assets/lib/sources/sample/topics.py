"""Research topics of the demo corpus: the words a paper on each topic uses, and what its figures can show.

The data is package data, `data/topics.json`, read once and checked against the dataclasses below: a field
that is unknown, missing or of the wrong type fails the load with its path in the file; a field at its default
may be left out. Every string is plain Unicode as a reader sees it ("km s⁻¹", "μm"); the writers turn the
symbols into LaTeX math where the format needs it. Each topic lists the category tuples it is filed under per
source (the first category decides the discipline), so the same topic reads as arXiv `cond-mat.supr-con` on
arXiv and "Condensed-matter physics" in Nature Communications. `x_ranges` says where the x values of a line
plot run, by axis label; plots with log axes need a positive range.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources

import pydantic


@dataclasses.dataclass(frozen=True)
class Axis:
    name: str
    unit: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.unit})" if self.unit else self.name


@dataclasses.dataclass(frozen=True)
class LineVocab:
    x: Axis
    y: Axis
    series: tuple[str, ...]
    shape: str  # decay | growth | peak | oscillation | power_law

    @property
    def x_range(self) -> tuple[float, float]:
        return _topic_data().x_ranges.get(self.x.label, (0.0, 100.0))


@dataclasses.dataclass(frozen=True)
class ScatterVocab:
    x: Axis
    y: Axis
    items: str
    groups: tuple[str, ...]
    slope_sign: int = 1


@dataclasses.dataclass(frozen=True)
class BarVocab:
    category_name: str
    categories: tuple[str, ...]
    y: Axis
    groups: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class HeatmapVocab:
    rows_name: str
    rows: tuple[str, ...]
    columns_name: str
    columns: tuple[str, ...]
    value: Axis
    style: str  # correlation | intensity | confusion


@dataclasses.dataclass(frozen=True)
class MicrographVocab:
    modality: str  # how the image was taken, e.g. "Confocal micrograph"
    subject: str
    objects: str  # what the blobs are, e.g. "nuclei"
    channels: tuple[tuple[str, str], ...]  # (stain, colour name); empty for greyscale
    scale_bar: tuple[int, str]


@dataclasses.dataclass(frozen=True)
class DiagramVocab:
    name: str  # e.g. "training pipeline"
    stages: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Topic:
    key: str
    categories: dict[str, tuple[tuple[str, ...], ...]]
    field: str
    objects: tuple[str, ...]
    methods: tuple[str, ...]
    data: tuple[str, ...]
    properties: tuple[str, ...]
    findings: tuple[str, ...]
    gaps: tuple[str, ...]
    lines: tuple[LineVocab, ...]
    scatters: tuple[ScatterVocab, ...]
    bars: tuple[BarVocab, ...]
    heatmaps: tuple[HeatmapVocab, ...]
    diagrams: tuple[DiagramVocab, ...]
    micrographs: tuple[MicrographVocab, ...] = ()
    method_names: tuple[str, ...] = ()
    replicates: str = "independent runs"
    error_kind: str = "s.d."


@dataclasses.dataclass(frozen=True)
class _TopicData:
    """The layout of `data/topics.json`."""

    # Strict: no silent coercion (a number where a name belongs), and no field the dataclasses do not know.
    __pydantic_config__ = pydantic.ConfigDict(extra="forbid", strict=True)

    topics: tuple[Topic, ...]
    x_ranges: dict[str, tuple[float, float]]


@functools.cache
def _topic_data() -> _TopicData:
    text = (importlib.resources.files(__package__) / "data" / "topics.json").read_text(encoding="utf-8")
    return pydantic.TypeAdapter(_TopicData).validate_json(text)


def all_topics() -> tuple[Topic, ...]:
    """Every topic of the demo corpus, in the order of the data file."""
    return _topic_data().topics


@functools.cache
def topics_for(source: str) -> tuple[Topic, ...]:
    """The topics filed under `source` (a paper source such as "arxiv"), in the order of the data file."""
    return tuple(topic for topic in all_topics() if source in topic.categories)
