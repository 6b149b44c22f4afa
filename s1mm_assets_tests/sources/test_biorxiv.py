"""medRxiv (the bioRxiv connector's other server) against the local details API and the local MECA bucket."""

import datetime as dt
import hashlib
import json
import uuid

import pytest

from s1mm_assets.lib.extract.bundle import detect_kind, open_bundle
from s1mm_assets.lib.sources.biorxiv import BiorxivSettings
from s1mm_assets.lib.sources.connectors import open_connector
from s1mm_assets.lib.sources.http import ErrorBody
from s1mm_assets_tests.sources.servers import Reply
from s1mm_assets_tests.sources.service_data import (
    details_page,
    details_record_from_jats,
    license_code,
    meca_article,
    real_meca,
    rewrite_meca_version,
    sample_bundle,
)

REAL_DOI = "10.1101/2024.01.24.24301711"
MISSING_DOI = "10.1101/2024.01.15.24099999"
DETAILS = "/details/medrxiv/2024-01-01/2024-01-31/"


@pytest.fixture(scope="module")
def meca_bucket(s3_server):
    real = real_meca()
    first, second = sample_bundle("medrxiv", 0), sample_bundle("medrxiv", 1)
    second_v2 = rewrite_meca_version(second.content, "2")
    bucket = f"medrxiv-{uuid.uuid4().hex[:8]}"
    s3_server.put_bucket(
        bucket,
        {
            "Current_Content/January_2024/2b8e6f0c-real.meca": real,
            "Current_Content/January_2024/5c1d9a77-first.meca": first.content,
            "Current_Content/January_2024/9f03be12-second.meca": second.content,
            "Current_Content/January_2024/c0ffee00-cut.meca": first.content[:2000],  # a truncated package
            "Current_Content/February_2024/7a7a7a7a-second-v2.meca": second_v2,  # a late deposit
        },
        requester_pays=True,
    )
    return bucket, real, first, second, second_v2


@pytest.fixture
def medrxiv(meca_bucket, http_server, http_settings, s3_settings, clock):
    bucket, real, first, second, second_v2 = meca_bucket
    records = [
        details_record_from_jats(
            meca_article(real), version="1", date="2024-01-24", license_code="cc_by", published="NA"
        ),
        details_record_from_jats(
            meca_article(first.content),
            version="1",
            date="2024-01-31",
            license_code=license_code(first.metadata.license),
            published="10.1038/s41467-024-00001-1",
        ),
        details_record_from_jats(
            meca_article(second.content), version="1", date="2024-01-06", license_code="cc_by_nc_nd", published="NA"
        ),
        dict(
            details_record_from_jats(
                meca_article(real), version="1", date="2024-01-15", license_code="cc0", published="NA"
            ),
            doi=MISSING_DOI,
        ),
    ]

    def details(request):
        cursor = int(request.path.split("/")[-2])
        return Reply(body=details_page(records, cursor, page_size=2), headers={"Content-Type": "application/json"})

    for cursor in range(8):
        http_server.route(f"{DETAILS}{cursor}/json", details)
    settings = BiorxivSettings(biorxiv_api_url=http_server.url(""), medrxiv_s3_bucket=bucket)
    connector = open_connector("medrxiv", settings, http=http_settings, s3=s3_settings, clock=clock)
    yield connector, records, http_server, (real, first, second, second_v2)
    connector.client.close()


def _listed(connector, **kwargs):
    return [
        paper for page in connector.list_month("2024-01", today=dt.date(2024, 3, 1), **kwargs) for paper in page.papers
    ]


def test_a_month_is_paged_by_the_reported_count_and_fetched_from_meca_packages(medrxiv):
    connector, records, http, (real, first, second, _) = medrxiv
    pages = list(connector.list_month("2024-01", today=dt.date(2024, 3, 1)))
    assert [page.checkpoint["cursor"] for page in pages] == [2, 4]
    assert [page.complete for page in pages] == [False, True]
    assert [r.path for r in http.requests_to("/details/")] == [f"{DETAILS}0/json", f"{DETAILS}2/json"]
    papers = {paper.doi: paper for page in pages for paper in page.papers}
    assert set(papers) == {REAL_DOI, first.metadata.doi, second.metadata.doi, MISSING_DOI}
    real_paper = papers[REAL_DOI]
    assert (real_paper.paper_id, real_paper.license, real_paper.version) == (f"medrxiv:{REAL_DOI}", "cc_by", "1")
    assert real_paper.categories == ("cardiovascular medicine",) and real_paper.authors[0] == "Liang, Jie"
    assert real_paper.submitted == "2024-01-24"
    assert papers[first.metadata.doi].links[0].value == "10.1038/s41467-024-00001-1"

    outcomes = {o.paper_id.removeprefix("medrxiv:"): o for o in connector.fetch(papers.values())}
    assert outcomes[REAL_DOI].bundle.content == real
    assert outcomes[REAL_DOI].sha256 == hashlib.sha256(real).hexdigest()
    assert detect_kind(open_bundle(outcomes[REAL_DOI].bundle.filename, real)) == "jats"
    assert outcomes[first.metadata.doi].bundle.content == first.content
    assert outcomes[second.metadata.doi].bundle.content == second.content
    missing = outcomes[MISSING_DOI]
    assert (missing.status, missing.reason) == ("failed", "corrupt_archive") and "c0ffee00-cut.meca" in missing.detail


def test_errors_returned_with_http_200_are_retried_when_empty_and_raised_when_reported(medrxiv, clock):
    connector, _, http, _ = medrxiv
    http.fault(f"{DETAILS}0/json", Reply(200, b""))
    assert len(_listed(connector)) == 4 and len(clock.sleeps) == 1
    error = json.dumps({"messages": [{"status": "error: end date before start date"}], "collection": []}).encode()
    http.fault(f"{DETAILS}0/json", Reply(200, error))
    with pytest.raises(ErrorBody, match="end date before start date"):
        _listed(connector)


def test_an_empty_month_is_one_complete_empty_page(medrxiv):
    connector, _, http, _ = medrxiv
    http.route(
        "/details/medrxiv/2024-06-01/2024-06-30/0/json",
        Reply(body=json.dumps({"messages": [{"status": "no posts found"}], "collection": []}).encode()),
    )
    pages = list(connector.list_month("2024-06", today=dt.date(2024, 8, 1)))
    assert [(page.papers, page.complete) for page in pages] == [((), True)]


def test_a_paper_revised_between_runs_fetches_only_the_new_version(medrxiv):
    connector, records, _, (_, first, second, second_v2) = medrxiv
    first_run = [o for o in connector.fetch(_listed(connector)) if o.status == "fetched"]
    have = {o.fetch_key for o in first_run}
    records.append(dict(records[2], version="2", date="2024-01-29"))
    outcomes = list(connector.fetch(_listed(connector), have=have))
    fetched = [o for o in outcomes if o.status == "fetched"]
    assert [(o.paper_id, o.version) for o in fetched] == [(f"medrxiv:{second.metadata.doi}", "2")]
    assert fetched[0].bundle.content == second_v2 and "February_2024" in fetched[0].origin
    statuses = sorted((o.version, o.status) for o in outcomes if o.paper_id == f"medrxiv:{second.metadata.doi}")
    assert statuses == [("1", "superseded"), ("2", "fetched")]
