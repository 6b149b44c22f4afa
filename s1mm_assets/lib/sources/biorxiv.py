"""bioRxiv and medRxiv: a month listed through the `details` API, full text fetched as MECA packages from S3.

Listing. `api.biorxiv.org/details/{server}/{first}/{last}/{cursor}/json` pages by an absolute record offset.
The help page says 100 records a call; the service has been observed sending 30, so the cursor advances by
the `count` the page reports, until it reaches `total` (both arrive as strings). Errors come back as HTTP 200
with `messages[0].status` other than "ok" ("no posts found" is an empty month); an empty 200 body has been
seen too and is retried. Each version is its own record dated the day it was posted, so a month lists the
versions posted in it (a paper revised within the month appears twice and only the newer is fetched; a
revision posted in a later month belongs to that month's partition under the same paper id). The licence is
per preprint (`cc_by`, ..., `cc_no`), and `published` gives the journal DOI once the paper is published.

Fetching. Full text with figures is in the requester-pays buckets `biorxiv-src-monthly` and
`medrxiv-src-monthly`, one `<uuid>.meca` zip per paper version under `Current_Content/<Month>_<YYYY>/`. No
index maps a DOI to a key and the file names say nothing, so each package of the month's folder (and of the
following month's, where late deposits land) is identified from inside: its `manifest.xml` names the article
XML, whose `article-id` gives the DOI. Those two members are read with ranged GETs from the end of the zip,
so identifying a package costs a few small requests; only the packages of wanted papers are downloaded whole.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import json
import re
import tempfile
import zipfile
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

import httpx
from lxml import etree

from s1mm_assets.lib.settings import BiorxivSettings
from s1mm_assets.lib.sources import listing
from s1mm_assets.lib.sources.http import ErrorBody, PoliteClient, TransientBody
from s1mm_assets.lib.sources.integrity import Expected, IntegrityError
from s1mm_assets.lib.sources.listing import FetchOutcome, FetchPlan, Have, Link, ListedPaper, ListingPage
from s1mm_assets.lib.sources.s3 import S3Failure, S3Store

Server = Literal["biorxiv", "medrxiv"]
MECA_NS = "http://manuscriptexchange.org"
_EMPTY_MONTH_STATUS = "no posts found"
_DOI_DATE = re.compile(r"^10\.1101/(\d{4})\.(\d{2})\.(\d{2})\.")
_ITEM_VERSION = re.compile(r"v(\d+)$")
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


class BiorxivConnector:
    """Lists and fetches one of the two servers; `server` is "biorxiv" or "medrxiv"."""

    def __init__(self, server: Server, settings: BiorxivSettings, client: PoliteClient, store: S3Store):
        if server not in ("biorxiv", "medrxiv"):
            raise ValueError(f"server must be biorxiv or medrxiv, got {server!r}")
        self.source = server
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
        """Yield the versions posted in `month`, a page per API call, each page with the cursor to resume from."""
        first, last = listing.month_bounds(month)
        state = dict(checkpoint) if checkpoint else {"cursor": 0, "listed": 0}
        notes = listing.month_not_over_note(month, today or self.client.clock.now().date())
        while True:
            url = f"{self.settings.biorxiv_api_url}/details/{self.source}/{first}/{last}/{state['cursor']}/json"
            body = self.client.get(url, check=_check_details).json()
            message = body["messages"][0]
            if message.get("status") == _EMPTY_MONTH_STATUS:
                yield ListingPage((), dict(state), complete=True, notes=notes)
                return
            records = body.get("collection") or []
            papers = [self._paper(record, month) for record in records]
            state["cursor"] += int(message.get("count") or len(records))
            done = not records or state["cursor"] >= int(message.get("total") or 0)
            if limit is not None and state["listed"] + len(papers) >= limit:
                papers = papers[: limit - state["listed"]]
                state["listed"] += len(papers)
                yield ListingPage(tuple(papers), dict(state), complete=False, notes=notes)
                return
            state["listed"] += len(papers)
            yield ListingPage(tuple(papers), dict(state), complete=done, notes=notes)
            if done:
                return

    def _paper(self, record: dict[str, Any], month: str) -> ListedPaper:
        doi = record["doi"].strip()
        version = str(record.get("version", "1")).strip()
        posted = str(record.get("date", ""))
        published = str(record.get("published") or "").strip()
        links = (Link("published_as", "doi", published),) if published and published.upper() != "NA" else ()
        withdrawn = "withdrawn" in str(record.get("type", "")).lower() or record.get("title", "").upper().startswith(
            "WITHDRAWN"
        )
        first_posted = _doi_date(doi) or (posted if version == "1" else "")
        suffix = doi.split("/", 1)[-1]
        return ListedPaper(
            paper_id=f"{self.source}:{doi}",
            source=self.source,
            month=month,
            version=version,
            title=" ".join(str(record.get("title", "")).split()),
            abstract=" ".join(str(record.get("abstract", "")).split()),
            authors=tuple(name.strip() for name in str(record.get("authors", "")).split(";") if name.strip()),
            categories=(str(record["category"]).strip(),) if record.get("category") else (),
            license=str(record.get("license", "")),
            doi=doi,
            arxiv_id="",
            pmcid="",
            pmid="",
            submitted=first_posted,
            updated=posted,
            published="",
            url=f"https://www.{self.source}.org/content/{doi}v{version}",
            links=links,
            plan=FetchPlan(
                location=f"s3://{self._bucket()}/{self._folder(month)}",
                kind="jats",
                filename=f"{suffix}v{version}.zip",
            ),
            status="withdrawn" if withdrawn else "available",
        )

    # ---- fetching ------------------------------------------------------------------------------------------

    def fetch(
        self, papers: Iterable[ListedPaper], *, have: Have | Collection[str] | None = None, workdir: Path | None = None
    ) -> Iterator[FetchOutcome]:
        """One outcome per paper: its MECA package found by content in the month's folders and downloaded."""
        outcomes, wanted = listing.triage(papers, have)
        yield from outcomes
        pending = {(paper.doi.lower(), paper.version): paper for paper in wanted}
        if not pending:
            return
        unreadable: list[str] = []
        months = sorted({paper.month for paper in wanted})
        folders = dict.fromkeys(
            self._folder(_add_months(month, offset))
            for month in months
            for offset in range(self.settings.biorxiv_meca_months_after + 1)
        )
        with tempfile.TemporaryDirectory(dir=workdir, prefix=f"s1mm-{self.source}-") as scratch:
            for folder in folders:
                try:
                    objects = list(self.store.list_objects(folder))
                except S3Failure as error:
                    unreadable.append(f"{folder}: {error.detail}")
                    continue
                for item in objects:
                    if not pending:
                        return
                    if not item.key.endswith((".meca", ".zip")):
                        continue
                    try:
                        doi, version = self._identify(item.key, item.size)
                    except (S3Failure, zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as error:
                        unreadable.append(f"{item.key}: {error}")
                        continue
                    paper = pending.pop((doi.lower(), version), None)
                    if paper is not None:
                        yield self._download(paper, item.key, item.size, item.etag, Path(scratch))
        for paper in pending.values():
            if unreadable:
                detail = f"not found; {len(unreadable)} package(s) could not be read: {'; '.join(unreadable)[:300]}"
                yield listing.failed(paper, listing.CORRUPT_ARCHIVE, detail)
            else:
                yield listing.failed(paper, listing.NOT_IN_BULK, f"no MECA package in {', '.join(folders)}")

    def _identify(self, key: str, size: int) -> tuple[str, str]:
        """(DOI, version) of the package at `key`, read through its manifest without downloading the package."""
        with self.store.open_ranged(key, size) as ranged, zipfile.ZipFile(ranged) as package:
            return meca_identity(package)

    def _download(self, paper: ListedPaper, key: str, size: int, etag: str, scratch: Path) -> FetchOutcome:
        origin = self.store.uri(key)
        # A single-part upload's ETag is the md5 of its bytes; a multipart one ("...-N") is not.
        expected = Expected(size=size, md5=etag if etag and "-" not in etag else None)
        path = scratch / "package.meca"
        try:
            downloaded = self.store.download(key, path, expected=expected)
        except IntegrityError as error:
            return listing.failed(paper, error.reason, str(error), origin=origin)
        except S3Failure as error:
            reason = listing.NOT_FOUND if error.not_found else listing.S3_ERROR
            return listing.failed(paper, reason, error.detail, origin=origin)
        content = downloaded.path.read_bytes()
        path.unlink()
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as package:
                meca_identity(package)
        except (zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as error:
            return listing.failed(paper, listing.CORRUPT_ARCHIVE, f"{key}: {error}", origin=origin)
        return listing.fetched(paper, paper.version, paper.plan.filename, content, downloaded.sha256, origin)

    def _bucket(self) -> str:
        return self.settings.biorxiv_s3_bucket if self.source == "biorxiv" else self.settings.medrxiv_s3_bucket

    def _folder(self, month: str) -> str:
        year, number = listing.check_month(month)
        return f"{self.settings.biorxiv_meca_prefix}{calendar.month_name[number]}_{year}/"


def meca_identity(package: zipfile.ZipFile) -> tuple[str, str]:
    """(DOI, version) of a MECA package: the article XML named by manifest.xml, never guessed from file names.

    The version comes from the manifest's article item id (`24301711v1`), else from the JATS
    `<article-version>` (medRxiv writes `1.1` for the first version: the number before the dot), else 1.
    """
    manifest = etree.fromstring(package.read("manifest.xml"), _XML_PARSER)
    article_item = manifest.find(f"{{{MECA_NS}}}item[@type='article']")
    if article_item is None:
        raise ValueError("manifest.xml has no article item")
    instance = next(
        (
            element
            for element in article_item.iterfind(f"{{{MECA_NS}}}instance")
            if element.get("media-type") == "application/xml"
        ),
        None,
    )
    href = instance.get("href") if instance is not None else None
    if not href:
        raise ValueError("manifest.xml names no article XML")
    article = etree.fromstring(package.read(href), _XML_PARSER)
    doi = article.findtext(".//article-meta/article-id[@pub-id-type='doi']")
    if not doi:
        raise ValueError(f"{href} has no DOI")
    match = _ITEM_VERSION.search(article_item.get("id", ""))
    if match:
        version = match.group(1)
    else:
        jats_version = (article.findtext(".//article-meta/article-version") or "1").strip()
        version = jats_version.split(".", 1)[0] if jats_version.split(".", 1)[0].isdigit() else "1"
    return doi.strip(), version


def _check_details(response: httpx.Response) -> None:
    if not response.content.strip():
        raise TransientBody("empty body with HTTP 200")
    try:
        body = response.json()
        message = body["messages"][0]
    except (json.JSONDecodeError, KeyError, IndexError, TypeError) as error:
        raise TransientBody(f"not a details response: {response.content[:120]!r}") from error
    status = str(message.get("status", ""))
    if status not in ("ok", _EMPTY_MONTH_STATUS):
        raise ErrorBody(f"details API error: {status}")


def _doi_date(doi: str) -> str:
    match = _DOI_DATE.match(doi)
    return f"{match.group(1)}-{match.group(2)}-{match.group(3)}" if match else ""


def _add_months(month: str, offset: int) -> str:
    year, number = listing.check_month(month)
    index = year * 12 + number - 1 + offset
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
