"""What every paper source hands to the pipeline: a bundle (the paper as the source ships it) and its metadata.

A backend lists and fetches the papers of one (source, month) partition. The `sample` backend generates them,
`local` reads a folder the user brings, network connectors fetch them; the pipeline cannot tell the difference.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Iterator

SOURCES: tuple[str, ...] = ("arxiv", "biorxiv", "medrxiv", "chemrxiv", "nature_communications")

BUNDLE_KINDS: tuple[str, ...] = ("latex", "jats", "pdf")

# The format each source ships its papers in: arXiv has author LaTeX, the bio/med preprint servers and PMC
# publish JATS XML with the figure files, ChemRxiv offers PDFs only.
NATIVE_BUNDLE_KIND: dict[str, str] = {
    "arxiv": "latex",
    "biorxiv": "jats",
    "medrxiv": "jats",
    "nature_communications": "jats",
    "chemrxiv": "pdf",
}


@dataclasses.dataclass(frozen=True)
class PaperMetadata:
    """Bibliographic facts a source's listing provides; empty strings/lists where the source has none."""

    title: str = ""
    abstract: str = ""
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    license: str = ""
    doi: str = ""
    url: str = ""
    published: str = ""  # ISO date, YYYY-MM-DD
    # Other identifiers of the same work the source gives: the journal DOI of a preprint, its arXiv id, PMCID...
    identifiers: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, values: dict) -> PaperMetadata:
        known = {field.name for field in dataclasses.fields(cls)}
        kwargs = {key: value for key, value in values.items() if key in known}
        for list_field in ("authors", "categories", "identifiers"):
            if list_field in kwargs:
                kwargs[list_field] = tuple(kwargs[list_field] or ())
        return cls(**kwargs)


@dataclasses.dataclass(frozen=True)
class PaperBundle:
    """One paper as its source ships it.

    `content` holds the bytes of the bundle file: a LaTeX source archive (.tar.gz, .zip, or a gzipped .tex),
    a JATS package (MECA .zip, PMC .tar.gz, or a bare .xml), or a PDF. `filename` keeps the name it came
    with, which is how its format is recognised when the bytes alone are ambiguous.
    """

    paper_id: str  # globally unique and stable, e.g. "arxiv:2401.00012"
    source: str
    month: str  # YYYY-MM
    filename: str
    content: bytes
    metadata: PaperMetadata = PaperMetadata()


@dataclasses.dataclass(frozen=True)
class CatalogEntry:
    """One paper an offline backend holds, described without producing its bundle: `location` says where the
    bundle comes from (a file, a generated paper's index) and is handed back to `bundle`."""

    paper_id: str
    filename: str
    location: str
    metadata: PaperMetadata


class PaperSourceBackend(abc.ABC):
    """Lists and fetches the papers of one source and month, without a network: the sample corpus, a local folder.

    Listing (`catalog`) is cheap and kept apart from producing the bundles (`bundle`), as the real connectors keep
    listing apart from fetching (lib/sources/offline.py gives these backends the connectors' shape).
    """

    name: str

    @abc.abstractmethod
    def catalog(self, source: str, month: str) -> Iterator[CatalogEntry]:
        """Every paper of the partition with its metadata, in a stable order."""

    @abc.abstractmethod
    def bundle(self, source: str, month: str, entry: CatalogEntry) -> PaperBundle:
        """The paper `entry` names, as its source ships it; OSError when it cannot be read."""

    def papers(self, source: str, month: str) -> Iterator[PaperBundle]:
        """Yield every paper of the partition, in a stable order."""
        for entry in self.catalog(source, month):
            yield self.bundle(source, month, entry)
