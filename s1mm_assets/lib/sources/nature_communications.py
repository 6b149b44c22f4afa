"""Nature Communications: a month listed through Europe PMC, full text fetched from PMC's `pmc-oa-opendata` bucket.

Listing. Europe PMC's search (`ISSN:"2041-1723" AND FIRST_PDATE:[first TO last]`, `resultType=core`,
`cursorMark` paging: `*` first, then `nextCursorMark` until it repeats or a page comes back empty) lists the
month's articles with licence, PMID, PMCID and DOI. The query deliberately leaves out `OPEN_ACCESS:y`: an
article appears first as a PubMed record without PMCID and with `isOpenAccess: N`, and only becomes open
access in the index once PMC has its deposit, weeks later. Filtering on open access would silently drop the
newest articles; listing them as `pending_deposit` keeps them visible, and a later run fetches them. A month
that ended less than `natcomm_deposit_lag_days` ago is reported as possibly under-counted for that reason.
The paper id is the DOI, which the article has from the start (the PMCID arrives with the deposit).

Fetching. PMC's FTP packages are being retired in 2026; the replacement is the open bucket
`s3://pmc-oa-opendata` with one folder per article version (`PMC<n>.<v>/` holding the JATS XML, the PDF and
the figure files) and `metadata/PMC<n>.<v>.json`. The highest version is picked numerically (`PMC1.10` after
`PMC1.2`), its files are checked against the md5s the metadata gives, and packed into one `.tar.gz` bundle.
A re-run that already has that version downloads nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from s1mm_assets.lib.settings import NatureCommunicationsSettings
from s1mm_assets.lib.sources import listing
from s1mm_assets.lib.sources.http import ErrorBody, PoliteClient, TransientBody
from s1mm_assets.lib.sources.integrity import Expected, IntegrityError, sha256_of
from s1mm_assets.lib.sources.listing import FetchOutcome, FetchPlan, Have, Link, ListedPaper, ListingPage
from s1mm_assets.lib.sources.s3 import S3Failure, S3Store
from s1mm_assets.lib.sources.sample.archives import tar_gz

SOURCE = "nature_communications"


class NatureCommunicationsConnector:
    source = SOURCE

    def __init__(self, settings: NatureCommunicationsSettings, client: PoliteClient, store: S3Store):
        self.settings = settings
        self.client = client
        self.store = store

    def close(self) -> None:
        self.client.close()

    def list_month(
        self,
        month: str,
        *,
        checkpoint: dict[str, Any] | None = None,
        limit: int | None = None,
        today: dt.date | None = None,
    ) -> Iterator[ListingPage]:
        """Yield the articles first published in `month`, a page per search call, with the cursor to resume."""
        first, last = listing.month_bounds(month)
        today = today or self.client.clock.now().date()
        state = dict(checkpoint) if checkpoint else {"cursor_mark": "*", "listed": 0}
        notes = listing.month_not_over_note(month, today)
        if (today - last).days < self.settings.natcomm_deposit_lag_days:
            notes += (
                f"{month} ended {max(0, (today - last).days)} days ago: PMC deposits lag publication, so articles "
                "listed as pending_deposit (and some not indexed yet) will appear in a later run",
            )
        query = f'ISSN:"{self.settings.natcomm_issn}" AND FIRST_PDATE:[{first} TO {last}]'
        while True:
            params = {
                "query": query,
                "resultType": "core",
                "format": "json",
                "pageSize": str(self.settings.natcomm_page_size),
                "cursorMark": state["cursor_mark"],
            }
            body = self.client.get(
                f"{self.settings.natcomm_europepmc_url}/search", params=params, check=_check_search
            ).json()
            records = body["resultList"].get("result") or []
            papers = [self._paper(record, month) for record in records]
            next_mark = body.get("nextCursorMark")
            done = not records or not next_mark or next_mark == state["cursor_mark"]
            state["cursor_mark"] = next_mark or state["cursor_mark"]
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
        pmcid = record.get("pmcid", "")
        doi = record.get("doi", "")
        deposited = bool(pmcid) and record.get("inPMC") == "Y"
        open_access = record.get("isOpenAccess") == "Y"
        if not deposited:
            status = "pending_deposit"
        elif not open_access:
            status = "not_open_access"
        else:
            status = "available"
        authors = tuple(
            author.get("fullName", "")
            for author in (record.get("authorList") or {}).get("author", [])
            if author.get("fullName")
        ) or tuple(name.strip() for name in record.get("authorString", "").rstrip(".").split(",") if name.strip())
        keywords = tuple((record.get("keywordList") or {}).get("keyword", []))
        published = record.get("firstPublicationDate", "")
        links = tuple(Link("pmc", "pmcid", value) for value in [pmcid] if value)
        return ListedPaper(
            paper_id=f"{SOURCE}:{doi or 'pmid:' + record.get('pmid', record.get('id', ''))}",
            source=SOURCE,
            month=month,
            version="",  # PMC's version is known once the bucket is listed
            title=" ".join(record.get("title", "").split()),
            abstract=" ".join(record.get("abstractText", "").split()),
            authors=authors,
            categories=keywords,
            license=record.get("license", ""),
            doi=doi,
            arxiv_id="",
            pmcid=pmcid,
            pmid=record.get("pmid", ""),
            submitted=published,
            updated="",
            published=published,
            url=f"https://doi.org/{doi}" if doi else f"https://europepmc.org/article/MED/{record.get('pmid', '')}",
            links=links,
            plan=FetchPlan(
                location=f"s3://{self.settings.natcomm_pmc_bucket}/{pmcid}.<highest version>/" if pmcid else "",
                kind="jats",
                filename=f"{pmcid}.tar.gz" if pmcid else "",
            ),
            status=status,
        )

    def fetch(
        self, papers: Iterable[ListedPaper], *, have: Have | Collection[str] | None = None, workdir: Path | None = None
    ) -> Iterator[FetchOutcome]:
        """One outcome per paper: the highest PMC version's files, checked and packed into a .tar.gz."""
        outcomes, wanted = listing.triage(papers, have)
        yield from outcomes
        already = listing.as_have(have)
        with tempfile.TemporaryDirectory(dir=workdir, prefix="s1mm-natcomm-") as scratch:
            for paper in wanted:
                yield self._fetch_one(paper, already, Path(scratch))

    def _fetch_one(self, paper: ListedPaper, already: listing.Have, scratch: Path) -> FetchOutcome:
        try:
            folders = self.store.list_folders(f"{paper.pmcid}.")
        except S3Failure as error:
            return listing.failed(paper, listing.S3_ERROR, error.detail)
        versions = sorted(
            (int(folder.rstrip("/").rsplit(".", 1)[1]), folder)
            for folder in folders
            if folder.rstrip("/").rsplit(".", 1)[1].isdigit()
        )
        if not versions:
            return listing.failed(paper, listing.NOT_IN_BULK, f"no {paper.pmcid}.<version>/ folder in the bucket yet")
        version_number, folder = versions[-1]
        version = str(version_number)
        origin = self.store.uri(folder)
        if already(paper.paper_id, version):
            return FetchOutcome(paper.paper_id, version, "unchanged", origin=origin)
        try:
            checksums, retracted = self._metadata(folder.rstrip("/"))
            if retracted:
                return listing.failed(
                    paper, listing.WITHDRAWN, "PMC marks the article retracted", version=version, origin=origin
                )
            members: dict[str, bytes] = {}
            for item in self.store.list_objects(folder):
                path = scratch / "member"
                downloaded = self.store.download(
                    item.key, path, expected=Expected(size=item.size, md5=checksums.get(item.key))
                )
                members[item.key] = downloaded.path.read_bytes()
                path.unlink()
        except IntegrityError as error:
            return listing.failed(paper, error.reason, str(error), version=version, origin=origin)
        except S3Failure as error:
            reason = listing.NOT_FOUND if error.not_found else listing.S3_ERROR
            return listing.failed(paper, reason, error.detail, version=version, origin=origin)
        if not any(name.endswith((".xml", ".nxml")) for name in members):
            return listing.failed(
                paper, listing.MISSING_MEMBER, f"{folder} holds no JATS XML", version=version, origin=origin
            )
        missing = sorted(set(checksums) - set(members))
        if missing:
            return listing.failed(
                paper, listing.MISSING_MEMBER, f"metadata lists {missing[:3]}", version=version, origin=origin
            )
        content = tar_gz(members, dt.datetime(2000, 1, 1))
        filename = f"{folder.rstrip('/')}.tar.gz"
        return listing.fetched(paper, version, filename, content, sha256_of(content), origin)

    def _metadata(self, folder_name: str) -> tuple[dict[str, str], bool]:
        """(md5 by key, retracted) from `metadata/PMC<n>.<v>.json`; nothing when PMC has not written it."""
        try:
            record = json.loads(self.store.read(f"metadata/{folder_name}.json"))
        except S3Failure as error:
            if error.not_found:
                return {}, False
            raise
        checksums = {}
        urls = [record.get("xml_url"), record.get("pdf_url"), record.get("text_url"), *(record.get("media_urls") or [])]
        for url in filter(None, urls):
            parts = urlsplit(url)
            md5 = parse_qs(parts.query).get("md5", [""])[0]
            if parts.netloc == self.store.bucket and md5:
                checksums[parts.path.lstrip("/")] = md5
        return checksums, bool(record.get("is_retracted"))


def _check_search(response: httpx.Response) -> None:
    try:
        body = response.json()
    except ValueError as error:
        raise TransientBody(f"not JSON: {response.content[:120]!r}") from error
    if "resultList" not in body:
        raise ErrorBody(f"Europe PMC answered without a result list: {str(body)[:300]}")
