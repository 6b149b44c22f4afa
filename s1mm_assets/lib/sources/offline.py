"""The offline backends (`sample`, `local`) in the real connectors' shape, so that one listing stage and one fetching
stage serve every backend.

A listing is the backend's catalog, one complete page (nothing to resume: it costs no request). Versions are left
empty, which the fetching side reads as "only the fetch can tell": every run produces the bundles again, as
these backends always did (the sample corpus is regenerated, a local folder re-read); content addressing in the
lake keeps identical bytes once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

from s1mm_assets.lib.sources import listing
from s1mm_assets.lib.sources.base import CatalogEntry, PaperSourceBackend
from s1mm_assets.lib.sources.integrity import sha256_of
from s1mm_assets.lib.sources.listing import FetchOutcome, FetchPlan, Have, Link, ListedPaper, ListingPage

# How a local sidecar's `identifiers` (other ids of the same work) are kept among a listed paper's links.
SAME_WORK = "same_work"


class OfflineConnector:
    """One source of an offline backend, listed from its catalog and fetched by producing each bundle."""

    def __init__(self, backend: PaperSourceBackend, source: str):
        self.backend = backend
        self.source = source

    def list_month(
        self,
        month: str,
        *,
        checkpoint: dict[str, Any] | None = None,
        limit: int | None = None,
        today: dt.date | None = None,
    ) -> Iterator[ListingPage]:
        listing.check_month(month)
        entries = list(self.backend.catalog(self.source, month))
        kept = entries if limit is None else entries[:limit]
        papers = tuple(self._listed(entry, month) for entry in kept)
        yield ListingPage(papers, {"listed": len(papers)}, complete=len(kept) == len(entries))

    def fetch(
        self, papers: Iterable[ListedPaper], *, have: Have | Collection[str] | None = None, workdir: Path | None = None
    ) -> Iterator[FetchOutcome]:
        """One outcome per paper: its bundle, or `not_found` when a file listed has gone since."""
        outcomes, wanted = listing.triage(papers, have)
        yield from outcomes
        for paper in wanted:
            entry = CatalogEntry(paper.paper_id, paper.plan.filename, paper.plan.location, paper.metadata())
            try:
                bundle = self.backend.bundle(self.source, paper.month, entry)
            except OSError as error:
                reason = listing.NOT_FOUND if isinstance(error, FileNotFoundError) else listing.CORRUPT_ARCHIVE
                yield listing.failed(paper, reason, f"{type(error).__name__}: {error}", origin=paper.plan.location)
                continue
            yield listing.fetched(
                paper, paper.version, bundle.filename, bundle.content, sha256_of(bundle.content), paper.plan.location
            )

    def close(self) -> None:
        """Nothing is held open."""

    def _listed(self, entry: CatalogEntry, month: str) -> ListedPaper:
        metadata = entry.metadata
        return ListedPaper(
            paper_id=entry.paper_id,
            source=self.source,
            month=month,
            version="",
            title=metadata.title,
            abstract=metadata.abstract,
            authors=metadata.authors,
            categories=metadata.categories,
            license=metadata.license,
            doi=metadata.doi,
            arxiv_id="",
            pmcid="",
            pmid="",
            submitted="",
            updated="",
            published=metadata.published,
            url=metadata.url,
            links=tuple(Link(SAME_WORK, "", identifier) for identifier in metadata.identifiers),
            plan=FetchPlan(location=entry.location, kind="", filename=entry.filename),
        )
