"""Nature Communications against a local Europe PMC and a local pmc-oa-opendata bucket."""

import datetime as dt
import gzip
import io
import tarfile
import uuid

import pytest

from s1mm_assets.lib.extract.bundle import detect_kind, open_bundle
from s1mm_assets.lib.sources.connectors import open_connector
from s1mm_assets.lib.sources.nature_communications import NatureCommunicationsSettings
from s1mm_assets_tests.sources.servers import Reply
from s1mm_assets_tests.sources.service_data import (
    as_nat_commun,
    europepmc_page,
    europepmc_records,
    fixture_path,
    pmc_metadata,
    sample_bundle,
    unpack_tar_gz,
)

REAL_PMCID = "PMC12311175"


@pytest.fixture(scope="module")
def pmc_bucket(s3_server):
    bucket = f"pmc-{uuid.uuid4().hex[:8]}"
    real_xml = fixture_path("natcomm/europepmc/PMC12311175_raw.xml").read_bytes()
    first = unpack_tar_gz(sample_bundle("nature_communications", 0).content)
    second = unpack_tar_gz(sample_bundle("nature_communications", 1).content)
    objects = {
        f"{REAL_PMCID}.1/{REAL_PMCID}.1.xml": real_xml,
        "PMC1006065.2/PMC1006065.2.xml": b"<article>old</article>",
    }
    objects |= {f"PMC1006065.10/{name}": content for name, content in first.items()}
    objects |= {f"PMC1011495.1/{name}": content for name, content in second.items()}
    objects["metadata/PMC1006065.10.json"] = pmc_metadata(bucket, "PMC1006065.10", first)
    objects["metadata/PMC1011495.1.json"] = pmc_metadata(bucket, "PMC1011495.1", second, retracted=True)
    s3_server.put_bucket(bucket, objects, public=True)
    return bucket, first


@pytest.fixture
def natcomm(pmc_bucket, http_server, http_settings, s3_settings, clock):
    bucket, first = pmc_bucket
    envelope, core, pending = europepmc_records()
    available = [
        as_nat_commun(core[0], doi="10.1038/s41467-024-00101-1", pmcid=REAL_PMCID, date="2024-01-05"),
        as_nat_commun(core[1], doi="10.1038/s41467-024-00102-2", pmcid="PMC1006065", date="2024-01-12"),
        as_nat_commun(core[2], doi="10.1038/s41467-024-00103-3", pmcid="PMC1011495", date="2024-01-19"),
    ]
    not_yet = [as_nat_commun(record, doi=record["doi"], pmcid="", date="2024-01-30") for record in pending]
    pages = {"*": (available, "AoIIP1"), "AoIIP1": (not_yet, "AoIIP2"), "AoIIP2": ([], "AoIIP2")}

    def search(request):
        records, next_mark = pages[request.query["cursorMark"]]
        return Reply(body=europepmc_page(envelope, records, request.query["cursorMark"], next_mark))

    http_server.route("/search", search)
    settings = NatureCommunicationsSettings(natcomm_europepmc_url=http_server.url(""), natcomm_pmc_bucket=bucket)
    connector = open_connector("nature_communications", settings, http=http_settings, s3=s3_settings, clock=clock)
    yield connector, http_server, pages
    connector.client.close()


def test_a_month_lists_pending_deposits_and_fetches_the_highest_pmc_version(natcomm):
    connector, http, _ = natcomm
    pages = list(connector.list_month("2024-01", today=dt.date(2024, 2, 15)))
    assert [page.complete for page in pages] == [False, False, True]
    assert any("pending_deposit" in note for note in pages[0].notes)  # a recent month says it under-counts
    query = http.requests_to("/search")[0].query
    assert query["query"] == 'ISSN:"2041-1723" AND FIRST_PDATE:[2024-01-01 TO 2024-01-31]'
    papers = [paper for page in pages for paper in page.papers]
    assert [paper.status for paper in papers] == ["available"] * 3 + ["pending_deposit"] * 3
    assert papers[0].license == "cc by" and papers[0].pmcid == REAL_PMCID and papers[0].pmid == "40739089"
    assert papers[3].paper_id == "nature_communications:10.1038/s41467-025-60532-8"

    outcomes = {o.paper_id: o for o in connector.fetch(papers)}
    real = outcomes[papers[0].paper_id]
    assert (real.status, real.version) == ("fetched", "1")
    assert detect_kind(open_bundle(real.bundle.filename, real.bundle.content)) == "jats"
    newest = outcomes[papers[1].paper_id]
    assert newest.version == "10" and newest.bundle.filename == "PMC1006065.10.tar.gz"  # 10 > 2, numerically
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(newest.bundle.content))) as archive:
        assert any(name.endswith(".nxml") for name in archive.getnames())
    assert (outcomes[papers[2].paper_id].reason, outcomes[papers[2].paper_id].version) == ("withdrawn", "1")
    assert {outcomes[paper.paper_id].reason for paper in papers[3:]} == {"pending_deposit"}


def test_a_month_long_past_has_no_under_count_note(natcomm):
    connector, _, _ = natcomm
    pages = list(connector.list_month("2024-01", today=dt.date(2024, 12, 1)))
    assert all(page.notes == () for page in pages)


def test_a_rerun_downloads_nothing_it_has_and_adds_what_was_deposited_since(natcomm, s3_server, pmc_bucket):
    connector, _, pages = natcomm
    papers = [paper for page in connector.list_month("2024-01") for paper in page.papers]
    have = {o.fetch_key for o in connector.fetch(papers) if o.status == "fetched"}
    gets = connector.store.stats.by_operation.get("get_object", 0)

    # Since the first run PMC received one of the pending articles.
    bucket, first = pmc_bucket
    deposited = dict(pages["AoIIP1"][0][0], pmcid="PMC2000001", inPMC="Y", isOpenAccess="Y", license="cc by")
    pages["AoIIP1"] = ([deposited, *pages["AoIIP1"][0][1:]], "AoIIP2")
    client = s3_server.client()
    for name, content in first.items():
        client.put_object(Bucket=bucket, Key=f"PMC2000001.1/{name}", Body=content, ACL="public-read")

    papers = [paper for page in connector.list_month("2024-01") for paper in page.papers]
    outcomes = list(connector.fetch(papers, have=have))
    assert [(o.paper_id, o.version) for o in outcomes if o.status == "fetched"] == [(papers[3].paper_id, "1")]
    assert sum(o.status == "unchanged" for o in outcomes) == 2
    assert papers[3].pmcid == "PMC2000001"
    # Only the new article's files were downloaded, plus two metadata reads: the new article's (not written
    # yet) and the retracted one's, whose retraction is checked again.
    assert connector.store.stats.by_operation["get_object"] - gets == len(first) + 2


def test_an_empty_month_is_the_real_zero_hit_answer(natcomm):
    connector, http, _ = natcomm
    http.route("/search", Reply(body=fixture_path("natcomm/europepmc/search_no_results.json").read_bytes()))
    pages = list(connector.list_month("2024-06", today=dt.date(2025, 1, 1)))
    assert [(page.papers, page.complete) for page in pages] == [((), True)]
