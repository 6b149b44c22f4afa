"""Stage 1: fetch what the partition's listing holds that the lake does not have yet, and describe every paper.

The stage reads `listings` (stage 0) and decides for each listed paper and version: superseded by a newer version
listed too; left out, by the per-partition paper cap or, where fetching costs (the `live` backend), by a licence
the release policy excludes, so nobody pays for a download the release would hold back; or asked of the
connector, told which versions the lake already holds so that only what is missing or changed is downloaded.

Outcomes are saved to `fetches` as they arrive (every `checkpoint_every`, and whenever the stage stops), bundles
as content-addressed blobs, so a run that is killed keeps what it fetched. Failed papers are quarantined with
their reason and asked again by the next run. Then `papers`: one row per listed paper whose bundle the lake holds
and can open, its metadata from the listing, exactly as every later stage reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from s1mm_assets.lib.extract.bundle import UnreadableBundle, detect_kind, open_bundle
from s1mm_assets.lib.lake import Lake, PartitionMissing
from s1mm_assets.lib.licenses import allowed, license_id
from s1mm_assets.lib.quarantine import QuarantineRecord
from s1mm_assets.lib.settings import GateSettings
from s1mm_assets.lib.sources.base import PaperSourceBackend
from s1mm_assets.lib.sources.listing import FetchOutcome
from s1mm_assets.lib.sources.offline import OfflineConnector
from s1mm_assets.lib.stages.paper_listing import list_papers, listed_paper
from s1mm_assets.lib.stages.quarantine_table import write_quarantine
from s1mm_assets.lib.stages.report import StageReport

if TYPE_CHECKING:
    from s1mm_assets.lib.sources.connectors import Connector

STAGE = "raw_papers"
HELD = ("fetched", "unchanged")  # statuses whose row names a bundle the lake holds
LICENSE_NOT_ALLOWED = "license_not_allowed"  # the same reason the quality stage gives a figure it holds back
PAPER_CAP = "paper_cap"

Key = tuple[str, str]  # (paper_id, version as listed)


class NotListed(LookupError):
    """The partition has no listing yet: `paper_listing` comes first."""


def fetch_papers(
    lake: Lake,
    connector: Connector,
    source: str,
    month: str,
    *,
    policy: str,
    cap: int = 0,
    checkpoint_every: int = 200,
    skip_excluded_licenses: bool = False,
) -> StageReport:
    """Fetch what the listing holds and the lake lacks; write `fetches`, `papers` and this stage's quarantine."""
    try:
        listed = lake.read_table("listings", source, month).to_pylist()
    except PartitionMissing:
        raise NotListed(f"{source} {month} has not been listed: materialize paper_listing first") from None
    earlier = {_key(row): row for row in _earlier_fetches(lake, source, month)}
    held = {(row["paper_id"], row["fetched_version"]): row for row in earlier.values() if row["status"] in HELD}

    def have(paper_id: str, version: str) -> bool:
        row = held.get((paper_id, version))
        return row is not None and lake.fs.exists(lake.path(row["blob_path"]))

    outcomes, wanted = select_for_fetch(listed, policy=policy, cap=cap, skip_excluded_licenses=skip_excluded_licenses)
    order = [_key(row) for row in listed]

    def save() -> None:
        rows = [row for key in order if (row := outcomes.get(key, earlier.get(key)))]
        lake.write_table("fetches", source, month, rows)

    wanted_keys = {_key(row) for row in wanted}
    versions_listed: dict[str, list[str]] = {}
    for paper_id, version in wanted_keys:
        versions_listed.setdefault(paper_id, []).append(version)
    downloaded = 0
    try:
        answers = connector.fetch([listed_paper(row) for row in wanted], have=have)
        for count, outcome in enumerate(answers, 1):
            key = _listed_key(outcome, versions_listed)
            outcomes[key] = _fetch_row(lake, outcome, key, source, month, held)
            downloaded += outcome.size if outcome.status == "fetched" else 0
            if count % checkpoint_every == 0:
                save()
    finally:
        save()
    unanswered = sorted(wanted_keys - set(outcomes))
    if unanswered:
        raise RuntimeError(f"the {source} connector gave no outcome for {len(unanswered)} papers, e.g. {unanswered[0]}")
    return _write_papers(lake, source, month, listed, outcomes, downloaded)


def collect_papers(lake: Lake, backend: PaperSourceBackend, source: str, month: str) -> StageReport:
    """List and fetch a partition of an offline backend (the sample corpus, a local folder) in one call: what
    scripts and benchmarks that need a partition's papers use."""
    connector = OfflineConnector(backend, source)
    policy = GateSettings().license_policy
    list_papers(lake, connector, source, month, backend=backend.name, policy=policy)
    return fetch_papers(lake, connector, source, month, policy=policy)


def select_for_fetch(
    listed: list[dict[str, Any]], *, policy: str, cap: int = 0, skip_excluded_licenses: bool = False
) -> tuple[dict[Key, dict[str, Any]], list[dict[str, Any]]]:
    """(rows of `fetches` decided without asking the connector, by listing key; the listing rows to ask it for).

    Decided here: versions a newer one listed too supersedes, papers beyond the first `cap` (0: no cap), and with
    `skip_excluded_licenses` those available whose licence `policy` excludes (a paper listed as not available yet,
    such as a pending deposit, keeps that reason: its licence is often stated only once it is)."""
    decided: dict[Key, dict[str, Any]] = {}
    wanted: list[dict[str, Any]] = []
    kept = 0
    for row in listed:
        base = {"paper_id": row["paper_id"], "source": row["source"], "month": row["month"], "version": row["version"]}
        identity = license_id(row["license"])
        if row["superseded_by"]:
            decided[_key(row)] = base | {"status": "superseded", "detail": f"version {row['superseded_by']} listed too"}
            continue
        kept += 1
        if cap and kept > cap:
            detail = f"beyond the first {cap} papers of the partition (S1MM_SOURCE_PAPER_CAP)"
            decided[_key(row)] = base | {"status": "left_out", "reason": PAPER_CAP, "detail": detail}
        elif skip_excluded_licenses and row["status"] == "available" and not allowed(identity, policy):
            stated = row["license"] or "no licence stated"
            detail = f"{identity} ({stated}) is not allowed by the release policy {policy}"
            decided[_key(row)] = base | {"status": "left_out", "reason": LICENSE_NOT_ALLOWED, "detail": detail}
        else:
            wanted.append(row)
    return decided, wanted


def bundle_extension(filename: str) -> str:
    match = re.search(r"\.(tar\.gz|tar\.bz2|tar\.xz|tgz|tar|zip|gz|pdf|xml|nxml|tex)$", filename.lower())
    return match.group(1) if match else "bin"


def _fetch_row(
    lake: Lake, outcome: FetchOutcome, key: Key, source: str, month: str, held: dict[Key, dict[str, Any]]
) -> dict[str, Any]:
    row = {
        "paper_id": key[0],
        "source": source,
        "month": month,
        "version": key[1],
        "status": outcome.status,
        "reason": outcome.reason or None,
        "detail": outcome.detail or None,
        "origin": outcome.origin or None,
        "fetched_version": outcome.version or None,
    }
    if outcome.status == "unchanged":
        earlier = held[(outcome.paper_id, outcome.version)]
        carried = ("sha256", "bytes", "blob_path", "bundle_filename", "bundle_kind", "detail")
        return row | {name: earlier[name] for name in carried} | {"origin": outcome.origin or earlier["origin"]}
    if outcome.status != "fetched" or outcome.bundle is None:
        return row
    bundle = outcome.bundle
    blob = lake.put_blob(bundle.content, bundle_extension(bundle.filename))
    row |= {"sha256": blob.sha256, "bytes": len(bundle.content), "blob_path": blob.path}
    row |= {"bundle_filename": bundle.filename}
    try:
        row["bundle_kind"] = detect_kind(open_bundle(bundle.filename, bundle.content))
    except UnreadableBundle as error:  # kept, and quarantined by the caller: no kind means unreadable
        row["bundle_kind"] = None
        row["detail"] = f"unreadable: {error} (kept at {blob.path})"
    return row


def _write_papers(
    lake: Lake,
    source: str,
    month: str,
    listed: list[dict[str, Any]],
    outcomes: dict[Key, dict[str, Any]],
    downloaded: int,
) -> StageReport:
    papers: list[dict[str, Any]] = []
    quarantine: list[QuarantineRecord] = []
    for row in listed:
        fetch = outcomes[_key(row)]
        item = row["plan_filename"] or row["paper_id"]
        if fetch["status"] == "failed":
            quarantine.append(QuarantineRecord(STAGE, item, row["paper_id"], fetch["reason"], fetch["detail"] or ""))
        elif fetch["status"] in HELD and not fetch["bundle_kind"]:
            quarantine.append(
                QuarantineRecord(STAGE, fetch["bundle_filename"], row["paper_id"], "unreadable_bundle", fetch["detail"])
            )
        elif fetch["status"] in HELD:
            papers.append(_paper_row(row, fetch))
    report = StageReport(rows=len(papers), quarantined=len(quarantine))
    report.failed = sum(fetch["status"] == "failed" for fetch in outcomes.values())
    report.outputs = [
        lake.table_file("fetches", source, month),
        lake.write_table("papers", source, month, papers),
        write_quarantine(lake, STAGE, source, month, quarantine),
    ]
    statuses = [fetch["status"] for fetch in outcomes.values()]
    report.metrics = {"listed": len(listed), "bytes_downloaded": downloaded}
    report.metrics |= {status: statuses.count(status) for status in ("fetched", "unchanged", "failed", "left_out")}
    report.metrics["superseded"] = statuses.count("superseded")
    report.metrics["bundle_bytes"] = sum(paper["bundle_bytes"] for paper in papers)
    for kind in ("latex", "jats", "pdf"):
        report.metrics[f"papers_{kind}"] = sum(paper["bundle_kind"] == kind for paper in papers)
    report.preview = [(paper["paper_id"], paper["title"] or "(untitled)") for paper in papers[:5]]
    return report


def _paper_row(listing: dict[str, Any], fetch: dict[str, Any]) -> dict[str, Any]:
    return {
        "paper_id": listing["paper_id"],
        "source": listing["source"],
        "month": listing["month"],
        "title": listing["title"],
        "abstract": listing["abstract"],
        "authors": listing["authors"],
        "categories": listing["categories"],
        "discipline": listing["discipline"],
        "license": listing["license"],
        "doi": listing["doi"],
        "url": listing["url"],
        "published": listing["published"] or listing["submitted"],
        "bundle_kind": fetch["bundle_kind"],
        "bundle_filename": fetch["bundle_filename"],
        "bundle_sha256": fetch["sha256"],
        "bundle_path": fetch["blob_path"],
        "bundle_bytes": fetch["bytes"],
        "identifiers": listing["identifiers"],
    }


def _listed_key(outcome: FetchOutcome, versions_listed: dict[str, list[str]]) -> Key:
    """The listing row an outcome answers: its paper and version, or the paper's one row listed without a version
    (PMC's version is known only once fetched)."""
    versions = versions_listed.get(outcome.paper_id, [])
    if outcome.version in versions:
        return outcome.paper_id, outcome.version
    if len(versions) != 1:
        raise RuntimeError(f"an outcome for {outcome.paper_id} v{outcome.version} matches no single listed paper")
    return outcome.paper_id, versions[0]


def _earlier_fetches(lake: Lake, source: str, month: str) -> Iterator[dict[str, Any]]:
    try:
        yield from lake.read_table("fetches", source, month).to_pylist()
    except PartitionMissing:
        return


def _key(row: dict[str, Any]) -> Key:
    return row["paper_id"], row["version"]
