"""The `sample` backend: a demo corpus generated on the fly, every source in its real format.

Each paper is generated from a numpy Generator seeded with sha256("source|month|index"), so a partition is
byte-identical in every process and on every machine. Where a paper sits in its partition decides the quirks
it must show (every sixth arXiv paper has a broken figure, another one uses `subfigure`), so each partition of
six exercises them and downstream tests can rely on them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterator

import numpy as np

from s1mm_assets.lib.settings import SourceSettings
from s1mm_assets.lib.sources.base import SOURCES, CatalogEntry, PaperBundle, PaperMetadata, PaperSourceBackend
from s1mm_assets.lib.sources.sample.expected import GeneratedPaper
from s1mm_assets.lib.sources.sample.identity import CC_BY_ARXIV, CC_BY_PREPRINT, Identity, identity_for
from s1mm_assets.lib.sources.sample.jats import write_meca_bundle, write_pmc_bundle
from s1mm_assets.lib.sources.sample.latex import write_latex_bundle
from s1mm_assets.lib.sources.sample.paper import Features, PaperContent, plan_paper
from s1mm_assets.lib.sources.sample.pdf import write_pdf_bundle
from s1mm_assets.lib.sources.sample.topics import topics_for

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def seeded_generator(*key: object) -> np.random.Generator:
    """A Generator that depends only on `key`, never on the process (no `hash()`, no global state)."""
    digest = hashlib.sha256("|".join(str(part) for part in key).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big"))


class SampleSource(PaperSourceBackend):
    """Generates `papers_per_partition` papers for any source and month."""

    name = "sample"

    def __init__(self, papers_per_partition: int = SourceSettings().sample_papers):
        if papers_per_partition < 0:
            raise ValueError("papers_per_partition must not be negative")
        self.papers_per_partition = papers_per_partition

    def catalog(self, source: str, month: str) -> Iterator[CatalogEntry]:
        """The partition's papers planned (identity, title, abstract...) but not written: a fraction of the cost."""
        for index in range(self.papers_per_partition):
            _, identity, content = _planned(source, month, index)
            yield CatalogEntry(identity.paper_id, identity.filename, str(index), _metadata(content, identity))

    def bundle(self, source: str, month: str, entry: CatalogEntry) -> PaperBundle:
        return self.generate_paper(source, month, int(entry.location)).bundle

    def generate(self, source: str, month: str) -> list[GeneratedPaper]:
        """Every paper of the partition with the ground truth about its figures."""
        return [self.generate_paper(source, month, index) for index in range(self.papers_per_partition)]

    def generate_paper(self, source: str, month: str, index: int) -> GeneratedPaper:
        rng, identity, content = _planned(source, month, index)
        if source == "arxiv":
            content_bytes, figures = write_latex_bundle(content, identity, rng)
        elif source in ("biorxiv", "medrxiv"):
            content_bytes, figures = write_meca_bundle(content, identity)
        elif source == "nature_communications":
            content_bytes, figures = write_pmc_bundle(content, identity)
        else:
            content_bytes, figures = write_pdf_bundle(content, identity, rng)
        bundle = PaperBundle(
            identity.paper_id, source, month, identity.filename, content_bytes, _metadata(content, identity)
        )
        return GeneratedPaper(bundle, figures)


def _plan(source: str, month: str, index: int) -> tuple[np.random.Generator, Identity, PaperContent]:
    """The paper's generator (as the format writer will go on drawing from it), identity and content."""
    _check_partition(source, month)
    rng = seeded_generator(source, month, index)
    topics = topics_for(source)
    # Consecutive papers of a partition take different topics, in an order that changes every month.
    topic_order = seeded_generator(source, month).permutation(len(topics))
    topic = topics[int(topic_order[index % len(topics)])]
    identity = identity_for(source, month, index, rng)
    return rng, identity, plan_paper(source, topic, rng, _features(source, month, index))


def _planned(source: str, month: str, index: int) -> tuple[np.random.Generator, Identity, PaperContent]:
    """`_plan`, with the figure shared across sources planted where it belongs."""
    rng, identity, content = _plan(source, month, index)
    if (source, index) in (SHARED_FIGURE.owner, SHARED_FIGURE.copy):
        identity, content = SHARED_FIGURE.plant(source, month, identity, content)
    return rng, identity, content


@dataclasses.dataclass(frozen=True)
class _SharedFigure:
    """One picture published twice in every month, as happens when a preprint is posted to arXiv and to bioRxiv:
    the first figure of the month's first arXiv paper reappears as the first figure of the first bioRxiv paper
    (the same drawing, PNG in the LaTeX source, JPEG in the MECA package; the bioRxiv caption and text are its
    own). Both papers are CC BY 4.0, so both copies would be released but for the rule that decides which one
    is (lib/stages/ownership.py): the arXiv copy comes first."""

    owner: tuple[str, int] = ("arxiv", 0)
    copy: tuple[str, int] = ("biorxiv", 0)
    figure: int = 0

    def plant(self, source: str, month: str, identity: Identity, content: PaperContent):
        figures = list(content.figures)
        if source == self.owner[0]:
            figures[self.figure] = dataclasses.replace(figures[self.figure], image_format="png")
        else:
            drawn = _plan(self.owner[0], month, self.owner[1])[2].figures[self.figure].spec
            figures[self.figure] = dataclasses.replace(figures[self.figure], spec=drawn)
        cc_by = CC_BY_ARXIV if source == "arxiv" else CC_BY_PREPRINT
        return dataclasses.replace(identity, license=cc_by), dataclasses.replace(content, figures=tuple(figures))


SHARED_FIGURE = _SharedFigure()


def _check_partition(source: str, month: str) -> None:
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    if not _MONTH.match(month):
        raise ValueError(f"month must look like YYYY-MM, got {month!r}")


def _features(source: str, month: str, index: int) -> Features:
    if source == "chemrxiv":
        return Features(extra_paragraphs=1)
    if source != "arxiv":
        return Features()
    if index % 6 == 1:
        return Features(subfigures=True)
    if index % 6 == 4:
        # Alternate the two failure modes between months (and between blocks of six papers).
        month_number = int(month[5:7])
        return Features(problem="tikz" if (month_number + index // 6) % 2 else "missing_file")
    return Features()


def _metadata(content: PaperContent, identity: Identity) -> PaperMetadata:
    return PaperMetadata(
        title=content.title,
        abstract=content.abstract_text,
        authors=content.authors,
        categories=content.categories,
        license=identity.license,
        doi=identity.doi,
        url=identity.url,
        published=identity.published.isoformat(),
    )
