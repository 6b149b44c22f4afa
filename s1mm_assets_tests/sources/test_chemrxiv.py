"""ChemRxiv against a local Crossref and local PDF links."""

import datetime as dt
import hashlib
import json

import pytest

from s1mm_assets.lib.extract.bundle import detect_kind, open_bundle
from s1mm_assets.lib.sources.chemrxiv import ChemrxivSettings, split_doi
from s1mm_assets.lib.sources.connectors import open_connector
from s1mm_assets.lib.sources.http import ErrorBody
from s1mm_assets_tests.sources.servers import Reply
from s1mm_assets_tests.sources.service_data import crossref_item, crossref_page, sample_bundle

CC_BY = "https://creativecommons.org/licenses/by/4.0/"


@pytest.fixture
def chemrxiv(http_server, http_settings, clock):
    first, second = sample_bundle("chemrxiv", 0), sample_bundle("chemrxiv", 1)
    day = dt.date(2024, 1, 17)
    items = [
        crossref_item(
            first.metadata.doi, first.metadata.title, first.metadata.authors, day, CC_BY, http_server.url("/pdf/a.pdf")
        ),
        crossref_item(
            f"{second.metadata.doi}-v2",
            second.metadata.title,
            second.metadata.authors,
            day,
            "https://creativecommons.org/licenses/by-nc/4.0/",
            http_server.url("/pdf/b.pdf"),
            relation={"is-preprint-of": [{"id-type": "doi", "id": "10.1021/jacs.4c00001", "asserted-by": "subject"}]},
        ),
        crossref_item(
            "10.26434/chemrxiv.15006393/v1",
            "A 2026-form DOI",
            ("Ada Lovelace",),
            day,
            CC_BY,
            http_server.url("/pdf/c.pdf"),
        ),
        crossref_item("10.26434/chemrxiv-2024-nolnk", "No PDF link", ("Alan Turing",), day, CC_BY, ""),
    ]
    pages = {"*": (items[:2], "c2"), "c2": (items[2:], "c3"), "c3": ([], "c3")}
    http_server.route(
        "/works",
        lambda request: Reply(
            body=crossref_page(pages[request.query["cursor"]][0], pages[request.query["cursor"]][1], 4)
        ),
    )
    http_server.route("/pdf/a.pdf", Reply(body=first.content, headers={"Content-Type": "application/pdf"}, ranges=True))
    http_server.route("/pdf/b.pdf", Reply(body=second.content, headers={"Content-Type": "application/pdf"}))
    http_server.route("/pdf/c.pdf", Reply(body=b"<!DOCTYPE html><html><title>Just a moment...</title></html>"))
    settings = ChemrxivSettings(chemrxiv_crossref_url=http_server.url(""))
    connector = open_connector("chemrxiv", settings, http=http_settings, s3=None, clock=clock)
    yield connector, http_server, first, second
    connector.client.close()


def test_both_doi_forms_map_to_a_stable_paper_id_and_a_version():
    assert split_doi("10.26434/chemrxiv-2024-abcde") == ("10.26434/chemrxiv-2024-abcde", "1")
    assert split_doi("10.26434/chemrxiv-2024-abcde-v3") == ("10.26434/chemrxiv-2024-abcde", "3")
    assert split_doi("10.26434/chemrxiv.15006393/v2") == ("10.26434/chemrxiv.15006393", "2")
    assert split_doi("10.26434/chemrxiv.12345678.v1") == ("10.26434/chemrxiv.12345678", "1")


def test_a_month_lists_through_crossref_cursors_and_fetches_pdfs(chemrxiv):
    connector, http, first, second = chemrxiv
    http.fault("/pdf/a.pdf", Reply(drop_after=50_000))  # the connection breaks during the first PDF
    pages = list(connector.list_month("2024-01", today=dt.date(2024, 3, 1)))
    assert [page.complete for page in pages] == [False, True]
    query = http.requests_to("/works")[0].query
    assert (
        query["filter"]
        == "prefix:10.26434,type:posted-content,from-posted-date:2024-01-01,until-posted-date:2024-01-31"
    )
    assert query["mailto"] == "ops@example.org" and query["cursor"] == "*"
    papers = {paper.paper_id: paper for page in pages for paper in page.papers}
    revised = papers[f"chemrxiv:{second.metadata.doi}"]
    assert revised.version == "2" and revised.license == "https://creativecommons.org/licenses/by-nc/4.0/"
    assert [(link.relation, link.value) for link in revised.links] == [("is-preprint-of", "10.1021/jacs.4c00001")]
    assert papers["chemrxiv:10.26434/chemrxiv.15006393"].version == "1"
    assert papers["chemrxiv:10.26434/chemrxiv-2024-nolnk"].status == "no_full_text_link"

    outcomes = {o.paper_id: o for o in connector.fetch(papers.values())}
    got = outcomes[first.paper_id]
    assert got.bundle.content == first.content and got.sha256 == hashlib.sha256(first.content).hexdigest()
    assert detect_kind(open_bundle(got.bundle.filename, got.bundle.content)) == "pdf"
    assert http.requests_to("/pdf/a.pdf")[1].headers["range"].startswith("bytes=")
    assert outcomes[revised.paper_id].bundle.content == second.content and outcomes[revised.paper_id].version == "2"
    challenge = outcomes["chemrxiv:10.26434/chemrxiv.15006393"]
    assert (challenge.status, challenge.reason) == ("failed", "error_body")
    assert outcomes["chemrxiv:10.26434/chemrxiv-2024-nolnk"].reason == "no_full_text_link"

    have = {o.fetch_key for o in outcomes.values() if o.status == "fetched"}
    before = len(http.requests_to("/pdf/"))
    again = list(connector.fetch(papers.values(), have=have))
    assert len(http.requests_to("/pdf/")) - before == 1  # only the PDF that failed is asked for again
    assert sum(o.status == "unchanged" for o in again) == 2


def test_a_crossref_error_body_is_raised(chemrxiv):
    connector, http, _, _ = chemrxiv
    http.fault("/works", Reply(200, json.dumps({"status": "failed", "message": [{"type": "cursor-invalid"}]}).encode()))
    with pytest.raises(ErrorBody, match="cursor-invalid"):
        list(connector.list_month("2024-01"))


def test_an_empty_month_is_one_complete_empty_page(chemrxiv):
    connector, http, _, _ = chemrxiv
    http.route("/works", Reply(body=crossref_page([], "x", 0)))
    pages = list(connector.list_month("2024-06", today=dt.date(2024, 8, 1)))
    assert [(page.papers, page.complete) for page in pages] == [((), True)]
