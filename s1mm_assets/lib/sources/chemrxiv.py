"""ChemRxiv: a month listed through Crossref, each paper fetched as its PDF.

ChemRxiv's own REST API (Cambridge Open Engage) answers scripts with 403 since 2026, so the listing comes from
Crossref, where ChemRxiv registers every version as a `posted-content` DOI under prefix 10.26434:
`/works?filter=prefix:10.26434,type:posted-content,from-posted-date:...,until-posted-date:...` with cursor
paging (`cursor=*`, then `next-cursor`, until a page comes back empty). A month lists the versions posted in
it. Two DOI forms exist and both map to one paper id with a version: `10.26434/chemrxiv-2024-abcde[-v2]`
(2021-2025) and `10.26434/chemrxiv.15006393/v1` (2026 on; figshare-era `chemrxiv.12345678.v1` too).
Crossref gives the licence (`license[].URL`), the relations (`is-preprint-of` the journal version, ...) and
usually a PDF link; it gives no category for most items. The PDF is the full text; an HTML page served with
HTTP 200 where the PDF should be (a bot challenge) is an `error_body` failure, not a bundle.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
from lxml import html

from s1mm_assets.lib.settings import ChemrxivSettings
from s1mm_assets.lib.sources import listing
from s1mm_assets.lib.sources.http import ErrorBody, HttpFailure, PoliteClient, TransientBody
from s1mm_assets.lib.sources.integrity import IntegrityError
from s1mm_assets.lib.sources.listing import FetchOutcome, FetchPlan, Have, Link, ListedPaper, ListingPage

SOURCE = "chemrxiv"
_DOI_FORMS = (
    re.compile(r"^(?P<base>10\.26434/chemrxiv-\d{4}-[0-9a-z]+?)(?:-v(?P<version>\d+))?$", re.IGNORECASE),
    re.compile(r"^(?P<base>10\.26434/chemrxiv\.\d+)(?:[/.]v(?P<version>\d+))?$", re.IGNORECASE),
)


class ChemrxivConnector:
    source = SOURCE

    def __init__(self, settings: ChemrxivSettings, client: PoliteClient):
        self.settings = settings
        self.client = client

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
        """Yield the versions posted in `month`, a page per Crossref call, each with the cursor to resume from."""
        first, last = listing.month_bounds(month)
        state = dict(checkpoint) if checkpoint else {"cursor": "*", "listed": 0}
        notes = listing.month_not_over_note(month, today or self.client.clock.now().date())
        params = {
            "filter": f"prefix:{self.settings.chemrxiv_doi_prefix},type:posted-content,"
            f"from-posted-date:{first},until-posted-date:{last}",
            "rows": str(self.settings.chemrxiv_rows),
        }
        if self.client.settings.http_contact_email:
            params["mailto"] = self.client.settings.http_contact_email  # Crossref's polite pool
        while True:
            url = f"{self.settings.chemrxiv_crossref_url}/works"
            message = self.client.get(url, params={**params, "cursor": state["cursor"]}, check=_check_crossref).json()[
                "message"
            ]
            items = message.get("items") or []
            papers = [self._paper(item, month) for item in items]
            state["cursor"] = message.get("next-cursor") or state["cursor"]
            done = not items or state["listed"] + len(items) >= int(message.get("total-results") or 0)
            if limit is not None and state["listed"] + len(papers) >= limit:
                papers = papers[: limit - state["listed"]]
                state["listed"] += len(papers)
                yield ListingPage(tuple(papers), dict(state), complete=False, notes=notes)
                return
            state["listed"] += len(papers)
            yield ListingPage(tuple(papers), dict(state), complete=done, notes=notes)
            if done:
                return

    def _paper(self, item: dict[str, Any], month: str) -> ListedPaper:
        doi = item["DOI"]
        base, version = split_doi(doi)
        pdf_url = _pdf_link(item)
        links = tuple(
            Link(relation, str(target.get("id-type", "")), str(target.get("id", "")))
            for relation, targets in sorted((item.get("relation") or {}).items())
            for target in targets
        )
        posted = _date_parts(item.get("posted"))
        suffix = base.split("/", 1)[1]
        return ListedPaper(
            paper_id=f"{SOURCE}:{base}",
            source=SOURCE,
            month=month,
            version=version,
            title=" ".join(" ".join(item.get("title") or []).split()),
            abstract=_plain(item.get("abstract", "")),
            authors=tuple(
                " ".join(part for part in (author.get("given", ""), author.get("family", "")) if part)
                or author.get("name", "")
                for author in item.get("author") or []
            ),
            categories=tuple(item.get("group-title", "").split(";")) if item.get("group-title") else (),
            license=next((entry["URL"] for entry in item.get("license") or [] if entry.get("URL")), ""),
            doi=doi,
            arxiv_id="",
            pmcid="",
            pmid="",
            submitted=posted if version == "1" else "",
            updated=posted,
            published="",
            url=((item.get("resource") or {}).get("primary") or {}).get("URL", f"https://doi.org/{doi}"),
            links=links,
            plan=FetchPlan(location=pdf_url or "", kind="pdf", filename=f"{suffix}v{version}.pdf"),
            status="available" if pdf_url else "no_full_text_link",
        )

    def fetch(
        self, papers: Iterable[ListedPaper], *, have: Have | Collection[str] | None = None, workdir: Path | None = None
    ) -> Iterator[FetchOutcome]:
        """One outcome per paper: its PDF downloaded and checked to be a PDF."""
        outcomes, wanted = listing.triage(papers, have)
        yield from outcomes
        if not wanted:
            return
        with tempfile.TemporaryDirectory(dir=workdir, prefix="s1mm-chemrxiv-") as scratch:
            for paper in wanted:
                yield self._download(paper, Path(scratch) / "paper.pdf")

    def _download(self, paper: ListedPaper, path: Path) -> FetchOutcome:
        url = paper.plan.location
        try:
            downloaded = self.client.download(url, path)
        except HttpFailure as error:
            return listing.failed(
                paper, listing.NOT_FOUND if error.status == 404 else listing.HTTP_ERROR, error.detail, origin=url
            )
        except IntegrityError as error:
            return listing.failed(paper, error.reason, str(error), origin=url)
        content = downloaded.path.read_bytes()
        path.unlink()
        if not content.startswith(b"%PDF"):
            return listing.failed(paper, listing.ERROR_BODY, f"not a PDF: {content[:80]!r}", origin=url)
        return listing.fetched(paper, paper.version, paper.plan.filename, content, downloaded.sha256, url)


def split_doi(doi: str) -> tuple[str, str]:
    """(DOI of the paper without version, version number) for either ChemRxiv DOI form."""
    for form in _DOI_FORMS:
        match = form.match(doi.strip())
        if match:
            return match.group("base"), match.group("version") or "1"
    return doi.strip(), "1"


def _check_crossref(response: httpx.Response) -> None:
    try:
        body = response.json()
    except ValueError as error:
        raise TransientBody(f"not JSON: {response.content[:120]!r}") from error
    if body.get("status") != "ok" or "message" not in body:
        raise ErrorBody(f"Crossref error: {str(body.get('message'))[:300]}")


def _pdf_link(item: dict[str, Any]) -> str:
    for link in item.get("link") or []:
        url = link.get("URL", "")
        if link.get("content-type") == "application/pdf" or url.lower().endswith(".pdf"):
            return url
    return ""


def _date_parts(value: dict[str, Any] | None) -> str:
    parts = ((value or {}).get("date-parts") or [[]])[0]
    if len(parts) < 3 or None in parts:
        return ""
    return dt.date(*(int(part) for part in parts[:3])).isoformat()


def _plain(jats_abstract: str) -> str:
    """Crossref abstracts are JATS fragments (`<jats:p>...`); the listing keeps their text."""
    if not jats_abstract.strip():
        return ""
    return " ".join(html.fragment_fromstring(jats_abstract, create_parent="div").text_content().split())
