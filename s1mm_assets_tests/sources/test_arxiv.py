"""arXiv against the local OAI-PMH server and the local bulk bucket: a whole month, then each fault."""

import dataclasses
import datetime as dt
import hashlib
import json
import uuid

import pytest

from s1mm_assets.lib.extract.bundle import detect_kind, open_bundle
from s1mm_assets.lib.sources.arxiv import ArxivSettings
from s1mm_assets.lib.sources.connectors import open_connector
from s1mm_assets_tests.sources.servers import Reply
from s1mm_assets_tests.sources.service_data import (
    ArxivRecord,
    ArxivVersion,
    OaiService,
    bulk_manifest,
    bulk_tar,
    fixture_path,
    manifest_entry,
    real_arxiv_metadata,
    sample_bundle,
)

MONTH_IDS = {"2401.00126", "2401.00143", "2401.00200", "2401.00300", "2401.00400"}


def _version(number: int, month: int, day: int, source_type: str = "D") -> ArxivVersion:
    return ArxivVersion(number, dt.datetime(2024, month, day, 10, 0), source_type)


@dataclasses.dataclass
class ArxivWorld:
    connector: object
    oai: OaiService
    http: object
    records: list
    first: bytes
    second: bytes

    def list_all(self, month="2024-01", **kwargs):
        return list(self.connector.list_month(month, today=dt.date(2024, 3, 1), **kwargs))

    def replace(self, arxiv_id: str, datestamp: str, versions: tuple[ArxivVersion, ...]) -> None:
        self.oai.records = [
            (ArxivRecord(arxiv_id, datestamp, versions), meta) if record.arxiv_id == arxiv_id else (record, meta)
            for record, meta in self.oai.records
        ]
        self.oai.records.sort(key=lambda pair: (pair[0].datestamp, pair[0].arxiv_id))


@pytest.fixture(scope="module")
def arxiv_bucket(s3_server):
    """The bulk bucket, read-only, shared by the module's tests: (name, first paper's bytes, second's)."""
    first, second = sample_bundle("arxiv", 0).content, sample_bundle("arxiv", 1).content
    tar_one = bulk_tar(
        {"2401/2401.00126.gz": first, "2401/2401.00143.gz": second, "2401/2401.00200.gz": first[: len(first) // 2]}
    )
    tar_two = bulk_tar({"2401/2401.00400.gz": second})
    manifest = bulk_manifest(
        [
            manifest_entry("src/arXiv_src_2401_001.tar", tar_one, "2401.00001", "2401.00399", 3, "2024-02-05 04:34:46"),
            manifest_entry("src/arXiv_src_2401_002.tar", tar_two, "2401.00400", "2401.00999", 1, "2024-02-05 05:10:00"),
        ]
    )
    bucket = f"arxiv-{uuid.uuid4().hex[:8]}"
    s3_server.put_bucket(
        bucket,
        {
            "src/arXiv_src_manifest.xml": manifest,
            "src/arXiv_src_2401_001.tar": tar_one,
            "src/arXiv_src_2401_002.tar": tar_two[:-2048],  # cut short: the manifest's size and md5 say so
        },
        requester_pays=True,
    )
    return bucket, first, second


@pytest.fixture
def arxiv(arxiv_bucket, http_server, http_settings, s3_settings, clock):
    metadata = real_arxiv_metadata()
    bucket, first, second = arxiv_bucket
    records = [
        (ArxivRecord("2401.00126", "2024-01-05", (_version(1, 1, 3),)), metadata[0]),
        (ArxivRecord("2401.00143", "2024-01-10", (_version(1, 1, 9),)), metadata[1]),
        # a December paper revised in January: in the harvest, not in the month
        (ArxivRecord("2312.09999", "2024-01-10", (_version(1, 12, 20), _version(2, 1, 10))), metadata[2]),
        (ArxivRecord("2401.00200", "2024-01-12", (_version(1, 1, 11),)), metadata[3]),
        (ArxivRecord("2401.00300", "2024-01-20", (_version(1, 1, 15), _version(2, 1, 20, "I"))), metadata[4]),
        (ArxivRecord("2401.00400", "2024-01-22", (_version(1, 1, 21),)), metadata[5]),
    ]
    oai = OaiService(records, page_size=2)
    http_server.route(
        "/oai", lambda request: Reply(body=oai.answer(request.query), headers={"Content-Type": "text/xml"})
    )
    settings = ArxivSettings(
        arxiv_oai_url=http_server.url("/oai"), arxiv_eprint_url=http_server.url("/e-print"), arxiv_s3_bucket=bucket
    )
    connector = open_connector("arxiv", settings, http=http_settings, s3=s3_settings, clock=clock)
    yield ArxivWorld(connector, oai, http_server, records, first, second)
    connector.client.close()


def _by_id(items):
    return {item.paper_id.removeprefix("arxiv:"): item for item in items}


def test_a_month_lists_by_first_version_and_fetches_from_the_bulk_tars(arxiv):
    pages = arxiv.list_all()
    papers = [paper for page in pages for paper in page.papers]
    assert [page.complete for page in pages] == [False, False, True]
    assert len(papers) == len(MONTH_IDS) and set(_by_id(papers)) == MONTH_IDS
    listed = _by_id(papers)
    assert listed["2401.00143"].license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert listed["2401.00126"].title == "Salt-and-Pepper Noise Removal Based on Sparse Signal Processing"
    assert listed["2401.00126"].authors == ("Abbas Kazerooni", "Azarang Golmohammadi", "Farokh Marvasti")
    assert listed["2401.00143"].links[0].value == "10.1587/transfun.E98.A.2376"
    assert listed["2401.00300"].status == "withdrawn" and listed["2401.00300"].version == "2"
    assert listed["2401.00300"].submitted == "2024-01-15"
    json.dumps([page.checkpoint for page in pages])  # checkpoints are plain JSON
    resumed = [r for r in arxiv.http.requests_to("/oai") if "resumptionToken" in r.query]
    assert resumed and all("resumptionToken=verb%3DListRecords%26" in r.raw_query for r in resumed)

    outcomes = _by_id(arxiv.connector.fetch(papers))
    assert set(outcomes) == MONTH_IDS
    assert outcomes["2401.00126"].bundle.content == arxiv.first
    assert outcomes["2401.00126"].sha256 == hashlib.sha256(arxiv.first).hexdigest()
    assert outcomes["2401.00143"].bundle.content == arxiv.second
    bundle = outcomes["2401.00126"].bundle
    assert detect_kind(open_bundle(bundle.filename, bundle.content)) == "latex"
    assert bundle.metadata.license == listed["2401.00126"].license
    assert (outcomes["2401.00200"].status, outcomes["2401.00200"].reason) == ("failed", "corrupt_member")
    assert (outcomes["2401.00300"].status, outcomes["2401.00300"].reason) == ("failed", "withdrawn")
    assert (outcomes["2401.00400"].status, outcomes["2401.00400"].reason) == ("failed", "size_mismatch")
    assert arxiv.connector.store.stats.by_operation["get_object"] == 3  # manifest + each tar once


def test_an_expired_resumption_token_restarts_from_the_last_datestamp_losing_and_repeating_nothing(arxiv):
    arxiv.oai.expire_next_token = True
    papers = [paper for page in arxiv.list_all() for paper in page.papers]
    assert sorted(paper.arxiv_id for paper in papers) == sorted(MONTH_IDS)
    restarts = [r.query for r in arxiv.http.requests_to("/oai") if r.query.get("from", "2024-01-01") != "2024-01-01"]
    assert restarts == [{"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2024-01-10"}]


def test_a_crashed_listing_resumes_from_its_checkpoint(arxiv):
    first_page = next(iter(arxiv.connector.list_month("2024-01", today=dt.date(2024, 3, 1))))
    checkpoint = json.loads(json.dumps(first_page.checkpoint))
    rest = arxiv.list_all(checkpoint=checkpoint)
    ids = [paper.arxiv_id for paper in first_page.papers] + [p.arxiv_id for page in rest for p in page.papers]
    assert sorted(ids) == sorted(MONTH_IDS)


def test_limit_stops_the_listing_after_n_papers(arxiv):
    pages = arxiv.list_all(limit=3)
    assert sum(len(page.papers) for page in pages) == 3 and not pages[-1].complete


def test_an_empty_month_is_one_complete_empty_page(arxiv):
    pages = arxiv.list_all(month="2024-06")
    assert [(page.papers, page.complete) for page in pages] == [((), True)]


def test_503_with_retry_after_from_the_oai_service_is_honoured(arxiv, clock):
    body = fixture_path(
        "arxiv/oai/paperhive_nock/bodies/listrecords---should-list-identifiers-from-arxiv.01.http503.html"
    )
    arxiv.http.fault("/oai", Reply(503, body.read_bytes(), {"Retry-After": "10"}))
    papers = [paper for page in arxiv.list_all() for paper in page.papers]
    assert len(papers) == len(MONTH_IDS)
    assert clock.sleeps == [10.0]


def test_an_html_page_served_with_200_is_retried_as_transient(arxiv, clock):
    arxiv.http.fault("/oai", Reply(200, b"<html><body>Service temporarily down</body></html>"))
    papers = [paper for page in arxiv.list_all() for paper in page.papers]
    assert len(papers) == len(MONTH_IDS) and len(clock.sleeps) == 1


def test_a_rerun_fetches_only_the_new_version_and_records_the_withdrawal(arxiv):
    papers = [paper for page in arxiv.list_all() for paper in page.papers]
    have = {o.fetch_key for o in arxiv.connector.fetch(papers) if o.status == "fetched"}
    assert have == {"arxiv:2401.00126@v1", "arxiv:2401.00143@v1"}

    # Between the runs: 2401.00126 gets a v2 (after its tar was packed), 2401.00143 is withdrawn.
    arxiv.replace("2401.00126", "2024-03-02", (_version(1, 1, 3), _version(2, 3, 2)))
    arxiv.replace("2401.00143", "2024-03-03", (_version(1, 1, 9), _version(2, 3, 3, "I")))
    arxiv.http.route(
        "/e-print/2401.00126v2", Reply(body=arxiv.second, headers={"Content-Type": "application/x-eprint-tar"})
    )
    relisted = [
        paper for page in arxiv.list_all() for paper in page.papers if paper.arxiv_id in ("2401.00126", "2401.00143")
    ]
    s3_before = arxiv.connector.store.stats.by_operation.get("get_object", 0)
    outcomes = _by_id(arxiv.connector.fetch(relisted, have=have))
    assert outcomes["2401.00126"].status == "fetched" and outcomes["2401.00126"].version == "2"
    assert outcomes["2401.00126"].bundle.content == arxiv.second
    assert outcomes["2401.00126"].origin.endswith("/e-print/2401.00126v2")
    assert outcomes["2401.00143"].reason == "withdrawn"
    assert len(arxiv.http.requests_to("/e-print/")) == 1
    assert arxiv.connector.store.stats.by_operation["get_object"] - s3_before == 1  # the manifest, no tar

    # A third run with nothing new asks nothing of the bucket or the e-print service.
    s3_before = arxiv.connector.store.stats.requests
    again = list(arxiv.connector.fetch(relisted[:1], have=have | {"arxiv:2401.00126@v2"}))
    assert [o.status for o in again] == ["unchanged"]
    assert arxiv.connector.store.stats.requests == s3_before and len(arxiv.http.requests_to("/e-print/")) == 1
