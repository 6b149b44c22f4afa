"""What a real connector says about a month before and after downloading: listed papers and fetch outcomes.

Listing and fetching are kept apart. `list_month` yields `ListingPage`s, each with the papers it found and a
JSON-serialisable checkpoint from which a crashed listing resumes; `fetch` turns listed papers into
`FetchOutcome`s, one per paper, either with the bundle or with a short stable reason why not. Every listed
paper ends in exactly one outcome, so the lake can account for all of them.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable
from typing import Any, Literal

from s1mm_assets.lib.sources.base import PaperBundle, PaperMetadata

# Why a listed paper has no bundle. Stable strings: the lake stores them and users query them.
WITHDRAWN = "withdrawn"  # the service marks the current version withdrawn or retracted
PENDING_DEPOSIT = "pending_deposit"  # listed by the index, full text not deposited yet (Europe PMC -> PMC)
NO_FULL_TEXT_LINK = "no_full_text_link"  # the metadata gives no place to fetch the full text from
NOT_IN_BULK = "not_in_bulk"  # the bulk archive of the month does not hold the paper
CORRUPT_ARCHIVE = "corrupt_archive"  # a bulk archive or package that cannot be read
CORRUPT_MEMBER = "corrupt_member"  # one paper's member inside a readable bulk archive is broken
MISSING_MEMBER = "missing_member"  # a package lacks a file its manifest or metadata promises
SIZE_MISMATCH = "size_mismatch"  # the bytes received differ in length from what the service announced
CHECKSUM_MISMATCH = "checksum_mismatch"  # the bytes received differ from the checksum the service announced
HTTP_ERROR = "http_error"  # an HTTP request failed after its retries
S3_ERROR = "s3_error"  # an object-storage request failed after its retries
NOT_FOUND = "not_found"  # the service answers that the object does not exist
ERROR_BODY = "error_body"  # HTTP 200 with an error page or message instead of the content
NOT_OPEN_ACCESS = "not_open_access"  # the index says the article is not open access

FAILURE_REASONS = (
    WITHDRAWN,
    PENDING_DEPOSIT,
    NO_FULL_TEXT_LINK,
    NOT_IN_BULK,
    CORRUPT_ARCHIVE,
    CORRUPT_MEMBER,
    MISSING_MEMBER,
    SIZE_MISMATCH,
    CHECKSUM_MISMATCH,
    HTTP_ERROR,
    S3_ERROR,
    NOT_FOUND,
    ERROR_BODY,
    NOT_OPEN_ACCESS,
)


class ListingError(RuntimeError):
    """The service answered a listing with an error that retrying or restarting cannot fix."""


_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclasses.dataclass(frozen=True)
class Link:
    """The same work elsewhere: `relation` as the source names it, `scheme` (doi, arxiv, pmcid, text), `value`."""

    relation: str
    scheme: str
    value: str


@dataclasses.dataclass(frozen=True)
class FetchPlan:
    """Where the bundle of a listed paper is and what it should look like when it arrives.

    `location` is a URL or an `s3://bucket/key` (for bulk sources the archive or folder that holds the paper,
    resolved further when fetching); size and checksums are those the service announces, None when it does not.
    """

    location: str
    kind: str  # latex | jats | pdf
    filename: str
    expected_size: int | None = None
    expected_md5: str | None = None
    expected_sha256: str | None = None


@dataclasses.dataclass(frozen=True)
class ListedPaper:
    """One paper as a source's listing describes it, before any download."""

    paper_id: str  # stable across versions, e.g. "arxiv:2401.00001"
    source: str
    month: str  # YYYY-MM, the partition
    version: str  # the version the listing currently offers ("1", "2", ...); "" when only the fetch can tell
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    license: str  # as the source states it (URL, code or phrase); policy is applied downstream
    doi: str
    arxiv_id: str
    pmcid: str
    pmid: str
    submitted: str  # ISO date of the first version (arXiv v1, bioRxiv/ChemRxiv posting, first publication)
    updated: str  # ISO date of the version listed
    published: str  # ISO date of the journal publication where known
    url: str
    links: tuple[Link, ...]
    plan: FetchPlan
    status: Literal["available", "withdrawn", "pending_deposit", "no_full_text_link", "not_open_access"] = "available"

    @property
    def fetch_key(self) -> str:
        """What a re-run compares to decide whether it already has this paper: id and version."""
        return fetch_key(self.paper_id, self.version)

    def metadata(self) -> PaperMetadata:
        """The bibliographic facts the pipeline keeps with the bundle."""
        return PaperMetadata(
            title=self.title,
            abstract=self.abstract,
            authors=self.authors,
            categories=self.categories,
            license=self.license,
            doi=self.doi,
            url=self.url,
            published=self.published or self.submitted,
        )


@dataclasses.dataclass(frozen=True)
class ListingPage:
    """The papers of one page of a listing and the checkpoint to resume after it.

    `complete` is True on the last page of a listing that ran to its end (not on a page cut by `limit`).
    `notes` says what a user should know about the month as listed (for example that it may under-count).
    """

    papers: tuple[ListedPaper, ...]
    checkpoint: dict[str, Any]
    complete: bool
    notes: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class FetchOutcome:
    """What happened to one listed paper: fetched (with its bundle), unchanged (already had it), superseded (a
    newer version of it was listed too and fetched instead), or failed (with a reason)."""

    paper_id: str
    version: str
    status: Literal["fetched", "unchanged", "superseded", "failed"]
    reason: str = ""  # one of FAILURE_REASONS when failed
    detail: str = ""
    origin: str = ""  # the URL, s3://bucket/key or archive member the bytes came from
    bundle: PaperBundle | None = None
    sha256: str = ""
    size: int = 0

    @property
    def fetch_key(self) -> str:
        return fetch_key(self.paper_id, self.version)


Have = Callable[[str, str], bool]


def fetch_key(paper_id: str, version: str) -> str:
    return f"{paper_id}@v{version}"


def as_have(have: Have | Collection[str] | None) -> Have:
    """Normalise what a caller already holds: a predicate (paper_id, version) -> bool, or a set of fetch keys."""
    if have is None:
        return lambda paper_id, version: False
    if callable(have):
        return have
    keys = frozenset(have)
    return lambda paper_id, version: fetch_key(paper_id, version) in keys


def failed(
    paper: ListedPaper, reason: str, detail: str, *, version: str | None = None, origin: str = ""
) -> FetchOutcome:
    """A failure outcome for `paper` with a reason from FAILURE_REASONS."""
    if reason not in FAILURE_REASONS:
        raise ValueError(f"unknown failure reason {reason!r}")
    return FetchOutcome(
        paper.paper_id, paper.version if version is None else version, "failed", reason, detail[:500], origin
    )


def unavailable(paper: ListedPaper) -> FetchOutcome:
    """The outcome of a paper the listing already marked as having nothing to fetch."""
    return failed(paper, paper.status, f"listed as {paper.status}")


def fetched(paper: ListedPaper, version: str, filename: str, content: bytes, sha256: str, origin: str) -> FetchOutcome:
    bundle = PaperBundle(
        paper_id=paper.paper_id,
        source=paper.source,
        month=paper.month,
        filename=filename,
        content=content,
        metadata=paper.metadata(),
    )
    return FetchOutcome(
        paper.paper_id, version, "fetched", origin=origin, bundle=bundle, sha256=sha256, size=len(content)
    )


def check_month(month: str) -> tuple[int, int]:
    """(year, month number) of a YYYY-MM partition, or ValueError."""
    match = _MONTH.match(month)
    if not match:
        raise ValueError(f"month must look like YYYY-MM, got {month!r}")
    return int(match.group(1)), int(match.group(2))


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """First and last day of the month."""
    year, number = check_month(month)
    return dt.date(year, number, 1), dt.date(year, number, calendar.monthrange(year, number)[1])


def month_not_over_note(month: str, today: dt.date) -> tuple[str, ...]:
    """A listing of a month that has not ended yet is a snapshot: later runs will find more."""
    _, last = month_bounds(month)
    if today <= last:
        return (f"{month} has not ended yet (today {today.isoformat()}): a later run will list more papers",)
    return ()


def triage(
    papers: Iterable[ListedPaper], have: Have | Collection[str] | None
) -> tuple[list[FetchOutcome], list[ListedPaper]]:
    """Split listed papers into outcomes known without a request and the papers to fetch.

    Known without a request: papers the listing marked unavailable (withdrawn, pending deposit, no link), papers
    the caller already has at this version, and older versions of a paper listed twice in the month (services
    that list each version as its own record, bioRxiv and ChemRxiv, do that) which the newest supersedes.
    """
    already = as_have(have)
    papers = list(papers)
    newest: dict[str, ListedPaper] = {}
    for paper in papers:
        current = newest.get(paper.paper_id)
        if current is None or _version_number(paper.version) > _version_number(current.version):
            newest[paper.paper_id] = paper
    outcomes: list[FetchOutcome] = []
    wanted: list[ListedPaper] = []
    for paper in papers:
        latest = newest[paper.paper_id]
        if latest is not paper:
            outcomes.append(
                FetchOutcome(paper.paper_id, paper.version, "superseded", detail=f"version {latest.version} listed too")
            )
        elif paper.status != "available":
            outcomes.append(unavailable(paper))
        elif paper.version and already(paper.paper_id, paper.version):
            outcomes.append(FetchOutcome(paper.paper_id, paper.version, "unchanged"))
        else:
            wanted.append(paper)
    return outcomes, wanted


def newer_versions(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """For each (paper_id, version) of which a newer version is listed too, that newer version."""
    keys = list(keys)
    newest: dict[str, str] = {}
    for paper_id, version in keys:
        if paper_id not in newest or _version_number(version) > _version_number(newest[paper_id]):
            newest[paper_id] = version
    return {
        (paper_id, version): newest[paper_id]
        for paper_id, version in keys
        if _version_number(newest[paper_id]) > _version_number(version)
    }


def _version_number(version: str) -> int:
    return int(version) if version.isdigit() else 0
