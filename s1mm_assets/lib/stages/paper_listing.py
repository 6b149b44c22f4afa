"""Stage 0: what a partition should hold, listed with metadata and licence before anything is downloaded.

The backend's listing (a real service's pages, or the sample corpus's or a local folder's catalog) is recorded in
the lake as it arrives, so a user can ask with `s1mm sql` what a month holds before anything is fetched:

- `listings`: one row per listed paper and version: bibliographic metadata, the licence as stated, as an id and
  whether the release policy allows it, the ids and links of the same work elsewhere, where the bundle is;
- `listing_progress`: the connector's checkpoint, whether the listing ran to its end, what the month's notes
  say (a month that has not ended, deposits that lag), and why the last attempt stopped when it failed.

Resumable: rows and checkpoint are saved every `checkpoint_every` papers and when the listing stops, for whatever
reason; the next run resumes an unfinished listing from its checkpoint. A listing that completed is listed again
by the next run (the month grows: new versions, withdrawals, late deposits); its rows stay, marked `stale`, until
the new listing finds them again or completes without them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from s1mm_assets.lib.disciplines import discipline_for
from s1mm_assets.lib.identifiers import work_keys
from s1mm_assets.lib.lake import Lake, PartitionMissing
from s1mm_assets.lib.licenses import allowed, license_id
from s1mm_assets.lib.quarantine import QuarantineRecord
from s1mm_assets.lib.sources.listing import FetchPlan, Link, ListedPaper, newer_versions
from s1mm_assets.lib.stages.quarantine_table import write_quarantine
from s1mm_assets.lib.stages.report import StageReport

if TYPE_CHECKING:
    from s1mm_assets.lib.sources.connectors import Connector

STAGE = "paper_listing"

Key = tuple[str, str]  # (paper_id, version)


@dataclasses.dataclass
class _Progress:
    backend: str
    complete: bool = False
    checkpoint: dict[str, Any] | None = None
    listed: int = 0
    pages: int = 0
    paper_cap: int = 0
    notes: tuple[str, ...] = ()
    error: str | None = None

    def row(self, source: str, month: str) -> dict[str, Any]:
        values = dataclasses.asdict(self) | {"source": source, "month": month}
        values["checkpoint"] = json.dumps(self.checkpoint, sort_keys=True) if self.checkpoint is not None else None
        values["notes"] = list(self.notes)
        return values


def list_papers(
    lake: Lake,
    connector: Connector,
    source: str,
    month: str,
    *,
    backend: str,
    policy: str,
    cap: int = 0,
    checkpoint_every: int = 200,
    today: dt.date | None = None,
) -> StageReport:
    """Record the partition's listing; resume an unfinished one. Whatever stops the listing (a service that keeps
    failing, an error body) is recorded with what was listed so far and raised again."""
    stored = next(iter(_read(lake, "listing_progress", source, month)), None)
    # Rows another backend listed (the sample corpus before `live`) say nothing about what this one will find.
    same_backend = stored is not None and stored["backend"] == backend
    rows = {_key(row): row for row in _read(lake, "listings", source, month)} if same_backend else {}
    if same_backend and _stopped_by_cap(stored) and cap and stored["listed"] >= cap:
        return _report(lake, source, month, list(rows.values()), _progress(stored, cap), [], asked=False)
    # A listing the cap stopped is not resumed when the cap is lifted: its checkpoint is past the page the cap cut.
    progress = None if _stopped_by_cap(stored) else _resumable(stored, backend, cap)
    duplicates: list[QuarantineRecord] = []
    if progress is None:  # a new listing: what earlier ones found stays until this one finds it again or completes
        progress = _Progress(backend=backend, paper_cap=cap)
        rows = {key: row | {"stale": True} for key, row in rows.items()}
    else:  # resumed: the papers it found listed twice before it stopped stay in quarantine
        duplicates = [_record(row) for row in _read(lake, "quarantine", source, month, stage=STAGE)]
    seen: set[Key] = set()
    unsaved = 0

    def save() -> list[dict[str, Any]]:
        kept = [row for row in rows.values() if not (progress.complete and row["stale"])]
        superseded = newer_versions(_key(row) for row in kept)
        table = [row | {"superseded_by": superseded.get(_key(row))} for row in kept]
        lake.write_table("listings", source, month, table)
        lake.write_table("listing_progress", source, month, [progress.row(source, month)])
        write_quarantine(lake, STAGE, source, month, duplicates)
        return table

    try:
        for page in connector.list_month(month, checkpoint=progress.checkpoint, limit=cap or None, today=today):
            for paper in page.papers:
                key = (paper.paper_id, paper.version)
                if key in seen:
                    duplicates.append(_duplicate(paper))
                    continue
                seen.add(key)
                if key not in rows or rows[key]["stale"]:
                    progress.listed += 1
                rows[key] = listing_row(paper, policy)
                unsaved += 1
            progress.pages += 1
            progress.checkpoint, progress.complete, progress.notes = page.checkpoint, page.complete, page.notes
            if unsaved >= checkpoint_every:
                save()
                unsaved = 0
    except BaseException as error:  # a run terminated from the UI too: keep what was listed, then stop
        progress.error = f"{type(error).__name__}: {error}"[:1000]
        save()
        raise
    progress.error = None
    return _report(lake, source, month, save(), progress, duplicates, asked=True)


def listing_row(paper: ListedPaper, policy: str) -> dict[str, Any]:
    """A listed paper as a row of `listings`, its licence judged by `policy`."""
    identity = license_id(paper.license)
    return {
        "paper_id": paper.paper_id,
        "source": paper.source,
        "month": paper.month,
        "version": paper.version,
        "status": paper.status,
        "superseded_by": None,
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": list(paper.authors),
        "categories": list(paper.categories),
        "discipline": discipline_for(paper.source, paper.categories),
        "license": paper.license,
        "license_id": identity,
        "license_allowed": allowed(identity, policy),
        "license_policy": policy,
        "doi": paper.doi,
        "arxiv_id": paper.arxiv_id,
        "pmcid": paper.pmcid,
        "pmid": paper.pmid,
        "submitted": paper.submitted,
        "updated": paper.updated,
        "published": paper.published,
        "url": paper.url,
        "links": [dataclasses.asdict(link) for link in paper.links],
        "identifiers": work_keys(
            paper.paper_id,
            paper.doi,
            [paper.arxiv_id, paper.pmcid, f"pmid:{paper.pmid}" if paper.pmid else "", *(x.value for x in paper.links)],
        ),
        "plan_location": paper.plan.location,
        "plan_kind": paper.plan.kind,
        "plan_filename": paper.plan.filename,
        "expected_bytes": paper.plan.expected_size,
        "expected_md5": paper.plan.expected_md5,
        "expected_sha256": paper.plan.expected_sha256,
        "stale": False,
    }


def listed_paper(row: dict[str, Any]) -> ListedPaper:
    """A row of `listings` as the listed paper a connector fetches."""
    return ListedPaper(
        paper_id=row["paper_id"],
        source=row["source"],
        month=row["month"],
        version=row["version"],
        title=row["title"] or "",
        abstract=row["abstract"] or "",
        authors=tuple(row["authors"] or ()),
        categories=tuple(row["categories"] or ()),
        license=row["license"] or "",
        doi=row["doi"] or "",
        arxiv_id=row["arxiv_id"] or "",
        pmcid=row["pmcid"] or "",
        pmid=row["pmid"] or "",
        submitted=row["submitted"] or "",
        updated=row["updated"] or "",
        published=row["published"] or "",
        url=row["url"] or "",
        links=tuple(Link(**link) for link in row["links"] or ()),
        plan=FetchPlan(
            location=row["plan_location"] or "",
            kind=row["plan_kind"] or "",
            filename=row["plan_filename"] or "",
            expected_size=row["expected_bytes"],
            expected_md5=row["expected_md5"],
            expected_sha256=row["expected_sha256"],
        ),
        status=row["status"],
    )


def listing_summary(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """What a listing holds, counted: by status (a version a newer one replaces counts as `superseded`), by licence
    id and whether the policy allows it, and the bytes announced where the source announces them."""
    rows = list(rows)
    statuses = Counter("superseded" if row["superseded_by"] else row["status"] for row in rows)
    licences = Counter((row["license_id"], bool(row["license_allowed"])) for row in rows if not row["superseded_by"])
    sizes = [row["expected_bytes"] for row in rows if row["expected_bytes"] is not None]
    return {
        "listed": len(rows),
        "by_status": dict(sorted(statuses.items())),
        "by_license": [
            {"license_id": identity, "allowed": is_allowed, "papers": count}
            for (identity, is_allowed), count in sorted(licences.items(), key=lambda item: (-item[1], item[0]))
        ],
        "expected_bytes": sum(sizes),
        "papers_without_size": len(rows) - len(sizes),
    }


def _resumable(stored: dict[str, Any] | None, backend: str, cap: int) -> _Progress | None:
    """The stored progress when it is an unfinished listing of the same backend to resume, else None."""
    if stored is None or stored["complete"] or stored["backend"] != backend or stored["checkpoint"] is None:
        return None
    return _progress(stored, cap)


def _progress(stored: dict[str, Any], cap: int) -> _Progress:
    return _Progress(
        backend=stored["backend"],
        checkpoint=json.loads(stored["checkpoint"]) if stored["checkpoint"] else None,
        listed=stored["listed"] or 0,
        pages=stored["pages"] or 0,
        paper_cap=cap,
        notes=tuple(stored["notes"] or ()),
    )


def _stopped_by_cap(stored: dict[str, Any] | None) -> bool:
    """Whether the stored listing ended because it reached its paper cap (not at the end, not by an error)."""
    return bool(
        stored
        and not stored["complete"]
        and stored["error"] is None
        and stored["paper_cap"]
        and (stored["listed"] or 0) >= stored["paper_cap"]
    )


def _read(lake: Lake, table: str, source: str, month: str, **extra: str) -> list[dict[str, Any]]:
    try:
        return lake.read_table(table, source, month, **extra).to_pylist()
    except PartitionMissing:
        return []


def _record(row: dict[str, Any]) -> QuarantineRecord:
    return QuarantineRecord(row["stage"], row["item_id"], row["paper_id"], row["reason"], row["detail"] or "")


def _key(row: dict[str, Any]) -> Key:
    return row["paper_id"], row["version"]


def _duplicate(paper: ListedPaper) -> QuarantineRecord:
    version = f" version {paper.version}" if paper.version else ""
    detail = f"the source listed this paper{version} twice; the first listing is kept"
    return QuarantineRecord(STAGE, paper.plan.filename or paper.paper_id, paper.paper_id, "duplicate_paper", detail)


def _report(
    lake: Lake,
    source: str,
    month: str,
    rows: list[dict[str, Any]],
    progress: _Progress,
    duplicates: list[QuarantineRecord],
    *,
    asked: bool,
) -> StageReport:
    summary = listing_summary(rows)
    report = StageReport(rows=len(rows), quarantined=len(duplicates))
    report.metrics = {
        "complete": int(progress.complete),
        "listed_by_this_listing": progress.listed,
        "pages": progress.pages,
        "license_allowed": sum(bool(row["license_allowed"]) and not row["superseded_by"] for row in rows),
        "stale": sum(row["stale"] for row in rows),
        "expected_bytes": summary["expected_bytes"],
        **{f"status_{status}": count for status, count in summary["by_status"].items()},
    }
    notes = list(progress.notes)
    if not asked:
        notes.append(f"this listing had reached the paper cap ({progress.paper_cap}): the source was not asked again")
    if notes:
        report.metrics["notes"] = "; ".join(notes)
    report.preview = [(row["paper_id"], row["title"] or "(untitled)") for row in rows[:5]]
    report.outputs = [lake.table_file(table, source, month) for table in ("listings", "listing_progress")]
    return report
