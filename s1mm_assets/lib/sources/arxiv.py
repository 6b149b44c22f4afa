"""arXiv: a month listed through OAI-PMH (arXivRaw), its LaTeX sources fetched from the bulk bucket.

Listing. The 2025 OAI-PMH service (`oaipmh.arxiv.org/oai`) selects by datestamp, the date a record last
changed, not by submission date. A month's papers are those whose first version falls in the month, which
for arXiv ids is the `YYMM` prefix. So the harvest starts at the first of the month with no `until` (a paper
of January revised in March carries a March datestamp and must still be found) and keeps the records whose id
has the month's prefix. arXivRaw is the only format with both the licence and every version's date, size and
source type (source type `I` marks a withdrawn version). Resumption tokens are opaque, percent-encoded
already, and expire at the next midnight UTC: an expired token (`badResumptionToken`) restarts the harvest
from the last datestamp seen, skipping the records of that day already seen, so nothing is lost and nothing
listed twice. `noRecordsMatch` is an empty month, not an error.

Fetching. arXiv asks not to crawl e-prints one by one: the sources of a month are in the requester-pays
bucket `s3://arxiv/src/`, in tars of about 500 MB listed by `arXiv_src_manifest.xml` with their size, md5,
first and last item and the time each was packed. Each needed tar is downloaded once, checked, and split into
one bundle per paper (`YYMM/<id>.gz`, or `.pdf` for PDF-only submissions). A tar holds the version current
when it was packed; a paper revised since is fetched as that one e-print from `export.arxiv.org`, politely
and only up to `arxiv_eprint_fallback_max` per call, so a re-run after a revision downloads only the new
version and never a whole tar again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import re
import tarfile
import tempfile
import zlib
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
from lxml import etree

from s1mm_assets.lib.settings import ArxivSettings
from s1mm_assets.lib.sources import listing
from s1mm_assets.lib.sources.http import HttpFailure, PoliteClient, TransientBody
from s1mm_assets.lib.sources.integrity import Expected, IntegrityError, sha256_of
from s1mm_assets.lib.sources.listing import FetchOutcome, FetchPlan, Have, Link, ListedPaper, ListingPage
from s1mm_assets.lib.sources.oai import NotOaiPmh, OaiRecord, parse_page, resume_url
from s1mm_assets.lib.sources.s3 import S3Failure, S3Store

SOURCE = "arxiv"
ARXIV_RAW_NS = "http://arxiv.org/OAI/arXivRaw/"
_RAW = {"raw": ARXIV_RAW_NS}
_NEW_ID = re.compile(r"^(\d{4})\.(\d{4,5})$")
_OLD_ID = re.compile(r"^([a-z-]+(?:\.[A-Z]{2})?)/(\d{4})(\d{3})$")
_MEMBER = re.compile(r"^(?:\d{4}/)?(?P<stem>.+?)\.(?P<ext>gz|pdf|tar)$")
_MAX_MEMBER_BYTES = 1 << 30


@dataclasses.dataclass(frozen=True)
class BulkTar:
    """One entry of arXiv_src_manifest.xml."""

    key: str
    yymm: str
    first_item: str
    last_item: str
    size: int
    md5: str
    packed: dt.datetime

    def covers(self, arxiv_id: str) -> bool:
        return _sort_key(self.first_item) <= _sort_key(_compact(arxiv_id)) <= _sort_key(self.last_item)


class ArxivConnector:
    """Lists a month of arXiv through OAI-PMH and fetches its sources from the bulk bucket."""

    source = SOURCE

    def __init__(self, settings: ArxivSettings, client: PoliteClient, store: S3Store):
        self.settings = settings
        self.client = client
        self.store = store

    def close(self) -> None:
        self.client.close()

    # ---- listing -------------------------------------------------------------------------------------------

    def list_month(
        self,
        month: str,
        *,
        checkpoint: dict[str, Any] | None = None,
        limit: int | None = None,
        today: dt.date | None = None,
    ) -> Iterator[ListingPage]:
        """Yield the papers whose first version falls in `month`, page by page, each page with its checkpoint."""
        first_day, _ = listing.month_bounds(month)
        yymm = first_day.strftime("%y%m")
        state = (
            dict(checkpoint)
            if checkpoint
            else {
                "harvest_from": first_day.isoformat(),
                "token": None,
                "last_datestamp": None,
                "seen_at_last": [],
                "restarts": 0,
                "listed": 0,
            }
        )
        notes = listing.month_not_over_note(month, today or self.client.clock.now().date())
        while True:
            page = self._page(state)
            if page.error_code == "badResumptionToken":
                if state["restarts"] >= self.settings.arxiv_max_token_restarts:
                    raise listing.ListingError(
                        f"resumption token expired {state['restarts']} times: {page.error_message}"
                    )
                state["restarts"] += 1
                state["token"] = None
                state["harvest_from"] = state["last_datestamp"] or state["harvest_from"]
                continue
            if page.error_code == "noRecordsMatch":
                yield ListingPage((), dict(state, token=None), complete=True, notes=notes)
                return
            if page.error_code:
                raise listing.ListingError(f"OAI-PMH error {page.error_code}: {page.error_message}")
            papers = []
            seen_at_last = set(state["seen_at_last"])
            for record in page.records:
                if record.datestamp == state["last_datestamp"] and record.identifier in seen_at_last:
                    continue  # already seen before an expired token made us restart from this day
                if state["last_datestamp"] is None or record.datestamp > state["last_datestamp"]:
                    state["last_datestamp"], seen_at_last = record.datestamp, set()
                seen_at_last.add(record.identifier)
                paper = self._paper(record, month, yymm)
                if paper is not None:
                    papers.append(paper)
            state["seen_at_last"] = sorted(seen_at_last)
            state["token"] = page.token or None
            if limit is not None and state["listed"] + len(papers) >= limit:
                papers = papers[: limit - state["listed"]]
                state["listed"] += len(papers)
                yield ListingPage(tuple(papers), dict(state), complete=False, notes=notes)
                return
            state["listed"] += len(papers)
            yield ListingPage(tuple(papers), dict(state), complete=page.last_page, notes=notes)
            if page.last_page:
                return

    def _page(self, state: dict[str, Any]):
        if state["token"]:
            url, params = resume_url(self.settings.arxiv_oai_url, state["token"]), None
        else:
            url = self.settings.arxiv_oai_url
            params = {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": state["harvest_from"]}
            if self.settings.arxiv_oai_set:
                params["set"] = self.settings.arxiv_oai_set
        response = self.client.get(url, params=params, check=_check_oai)
        return parse_page(response.content)

    def _paper(self, record: OaiRecord, month: str, yymm: str) -> ListedPaper | None:
        arxiv_id = record.identifier.removeprefix("oai:arXiv.org:")
        if _yymm(arxiv_id) != yymm:
            return None
        if record.deleted or record.metadata is None:
            return _listed(arxiv_id, month, {"status": "withdrawn"})
        raw = record.metadata
        versions = [
            (
                int(version.get("version", "v0").lstrip("v") or 0),
                _rfc822_date(version.findtext("raw:date", "", _RAW)),
                version.findtext("raw:source_type", "", _RAW) or "",
            )
            for version in raw.iterfind("raw:version", _RAW)
        ]
        versions.sort()
        latest, latest_date, latest_type = versions[-1] if versions else (1, "", "")
        first_date = versions[0][1] if versions else ""
        doi = _text(raw, "doi")
        journal_ref = _text(raw, "journal-ref")
        links = []
        if doi:
            links.extend(Link("published_as", "doi", value) for value in doi.split())
        if journal_ref:
            links.append(Link("journal_ref", "text", journal_ref))
        return _listed(
            arxiv_id,
            month,
            {
                "version": str(latest),
                "title": _text(raw, "title"),
                "abstract": _text(raw, "abstract"),
                "authors": _split_authors(_text(raw, "authors")),
                "categories": tuple(_text(raw, "categories").split()),
                "license": _text(raw, "license"),
                "submitted": first_date,
                "updated": latest_date,
                "links": tuple(links),
                "status": "withdrawn" if "I" in latest_type else "available",
            },
        )

    # ---- fetching ------------------------------------------------------------------------------------------

    def fetch(
        self, papers: Iterable[ListedPaper], *, have: Have | Collection[str] | None = None, workdir: Path | None = None
    ) -> Iterator[FetchOutcome]:
        """One outcome per paper: bundles split out of the month's bulk tars, each tar downloaded at most once."""
        outcomes, wanted = listing.triage(papers, have)
        yield from outcomes
        if not wanted:
            return
        with tempfile.TemporaryDirectory(dir=workdir, prefix="s1mm-arxiv-") as scratch:
            try:
                tars = self._manifest(Path(scratch))
            except (S3Failure, IntegrityError, etree.XMLSyntaxError) as error:
                for paper in wanted:
                    yield listing.failed(paper, listing.S3_ERROR, f"bulk manifest unreadable: {error}")
                return
            by_tar: dict[BulkTar, list[ListedPaper]] = {}
            one_by_one: list[ListedPaper] = []
            for paper in wanted:
                tar = next((t for t in tars if t.yymm == _yymm(paper.arxiv_id) and t.covers(paper.arxiv_id)), None)
                if tar is None:
                    yield listing.failed(
                        paper, listing.NOT_IN_BULK, "no bulk tar lists this id yet; a later run will find it"
                    )
                elif paper.updated and paper.updated >= tar.packed.date().isoformat():
                    one_by_one.append(paper)  # revised after the tar was packed: the tar holds an older version
                else:
                    by_tar.setdefault(tar, []).append(paper)
            for tar, members in by_tar.items():
                yield from self._split_tar(tar, members, Path(scratch))
            for index, paper in enumerate(one_by_one):
                if index >= self.settings.arxiv_eprint_fallback_max:
                    yield listing.failed(
                        paper, listing.NOT_IN_BULK, "revised after its bulk tar; e-print fallback cap reached"
                    )
                else:
                    yield self._eprint(paper, Path(scratch))

    def _manifest(self, scratch: Path) -> list[BulkTar]:
        downloaded = self.store.download(self.settings.arxiv_manifest_key, scratch / "manifest.xml")
        root = etree.parse(str(downloaded.path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        tars = []
        for entry in root.iterfind("file"):
            tars.append(
                BulkTar(
                    key=entry.findtext("filename", ""),
                    yymm=entry.findtext("yymm", ""),
                    first_item=entry.findtext("first_item", ""),
                    last_item=entry.findtext("last_item", ""),
                    size=int(entry.findtext("size", "0")),
                    md5=entry.findtext("md5sum", ""),
                    packed=dt.datetime.strptime(entry.findtext("timestamp", ""), "%Y-%m-%d %H:%M:%S"),
                )
            )
        downloaded.path.unlink()
        return tars

    def _split_tar(self, tar: BulkTar, papers: list[ListedPaper], scratch: Path) -> Iterator[FetchOutcome]:
        origin = self.store.uri(tar.key)
        path = scratch / Path(tar.key).name
        try:
            self.store.download(tar.key, path, expected=Expected(size=tar.size, md5=tar.md5))
        except IntegrityError as error:
            for paper in papers:
                yield listing.failed(paper, error.reason, f"bulk tar {tar.key}: {error}", origin=origin)
            return
        except S3Failure as error:
            reason = listing.NOT_FOUND if error.not_found else listing.S3_ERROR
            for paper in papers:
                yield listing.failed(paper, reason, error.detail, origin=origin)
            return
        pending = {_compact(paper.arxiv_id): paper for paper in papers}
        try:
            with tarfile.open(path, mode="r:") as archive:
                for member in archive:
                    match = _MEMBER.match(member.name)
                    paper = pending.get(match.group("stem")) if match and member.isfile() else None
                    if paper is None:
                        continue
                    del pending[match.group("stem")]
                    stream = archive.extractfile(member)
                    content = stream.read() if stream is not None else b""
                    member_origin = f"{origin}#{member.name}"
                    problem = _member_problem(content, match.group("ext"))
                    if problem:
                        yield listing.failed(
                            paper, listing.CORRUPT_MEMBER, f"{member.name}: {problem}", origin=member_origin
                        )
                    else:
                        name = Path(member.name).name
                        yield listing.fetched(paper, paper.version, name, content, sha256_of(content), member_origin)
        except (tarfile.TarError, OSError, EOFError) as error:
            for paper in pending.values():
                yield listing.failed(paper, listing.CORRUPT_ARCHIVE, f"{tar.key} unreadable: {error}", origin=origin)
            return
        finally:
            path.unlink(missing_ok=True)
        for paper in pending.values():
            yield listing.failed(
                paper, listing.NOT_IN_BULK, f"{tar.key} covers the id but holds no member for it", origin=origin
            )

    def _eprint(self, paper: ListedPaper, scratch: Path) -> FetchOutcome:
        url = f"{self.settings.arxiv_eprint_url}/{paper.arxiv_id}v{paper.version}"
        path = scratch / "eprint"
        try:
            downloaded = self.client.download(url, path)
        except HttpFailure as error:
            reason = listing.NOT_FOUND if error.status == 404 else listing.HTTP_ERROR
            return listing.failed(paper, reason, error.detail, origin=url)
        content = downloaded.path.read_bytes()
        path.unlink()
        extension = _sniff_extension(content)
        if extension is None:
            return listing.failed(paper, listing.ERROR_BODY, f"not an archive or PDF: {content[:80]!r}", origin=url)
        problem = _member_problem(content, extension)
        if problem:
            return listing.failed(paper, listing.CORRUPT_MEMBER, problem, origin=url)
        filename = f"{paper.arxiv_id.replace('/', '')}v{paper.version}.{extension}"
        return listing.fetched(paper, paper.version, filename, content, downloaded.sha256, url)


def _check_oai(response: httpx.Response) -> None:
    try:
        parse_page(response.content)
    except NotOaiPmh as error:
        # An HTML maintenance page or a cut body with status 200: the next attempt usually gets the real page.
        raise TransientBody(str(error)) from error


def _listed(arxiv_id: str, month: str, fields: dict[str, Any]) -> ListedPaper:
    filename = f"{_compact(arxiv_id)}.gz"
    values: dict[str, Any] = {
        "paper_id": f"arxiv:{arxiv_id}",
        "source": SOURCE,
        "month": month,
        "version": "",
        "title": "",
        "abstract": "",
        "authors": (),
        "categories": (),
        "license": "",
        "doi": f"10.48550/arXiv.{arxiv_id}",
        "arxiv_id": arxiv_id,
        "pmcid": "",
        "pmid": "",
        "submitted": "",
        "updated": "",
        "published": "",
        "url": f"https://arxiv.org/abs/{arxiv_id}",
        "links": (),
        "plan": FetchPlan(
            location=f"s3://arxiv/src/arXiv_src_{_yymm(arxiv_id)}_NNN.tar#{_yymm(arxiv_id)}/{filename}",
            kind="latex",
            filename=filename,
        ),
    }
    values.update(fields)
    return ListedPaper(**values)


def _yymm(arxiv_id: str) -> str:
    match = _NEW_ID.match(arxiv_id)
    if match:
        return match.group(1)
    match = _OLD_ID.match(arxiv_id)
    return match.group(2) if match else ""


def _compact(arxiv_id: str) -> str:
    """The id as bulk tars name their members: old-style ids lose the slash (`hep-th/9901001` -> `hep-th9901001`)."""
    return arxiv_id.replace("/", "")


def _sort_key(compact_id: str) -> tuple[str, int]:
    match = re.match(r"^(.*?)(\d+)$", compact_id.replace(".", ""))
    return (match.group(1), int(match.group(2))) if match else (compact_id, 0)


def _text(element: etree._Element, name: str) -> str:
    return " ".join((element.findtext(f"raw:{name}", "", _RAW)).split())


def _split_authors(authors: str) -> tuple[str, ...]:
    """arXivRaw writes authors as one string, "A. One, B. Two (Affiliation, City) and C. Three"."""
    without_affiliations = re.sub(r"\([^()]*\)", "", authors)
    parts = re.split(r",\s*(?:and\s+)?|\s+and\s+", without_affiliations)
    return tuple(" ".join(part.split()) for part in parts if part.strip())


def _rfc822_date(value: str) -> str:
    try:
        return email.utils.parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError):
        return ""


def _sniff_extension(content: bytes) -> str | None:
    if content[:2] == b"\x1f\x8b":
        return "gz"
    if content.startswith(b"%PDF"):
        return "pdf"
    if len(content) > 262 and content[257:262] == b"ustar":
        return "tar"
    return None


def _member_problem(content: bytes, extension: str) -> str:
    """Why a bulk member or e-print cannot be a paper's source, or "" when it reads through."""
    if not content:
        return "empty"
    if extension == "pdf":
        return "" if content.startswith(b"%PDF") else "not a PDF"
    if extension == "gz":
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            unpacked = len(decompressor.decompress(content, _MAX_MEMBER_BYTES))
        except zlib.error as error:
            return f"broken gzip: {error}"
        if not decompressor.eof and unpacked < _MAX_MEMBER_BYTES:
            return "truncated gzip"
    return ""
