"""A partition listed and fetched into the lake by the stages (lib/stages/paper_listing.py, raw_papers.py) against the
local servers, through each fault the issue names: nothing is lost, a re-run fetches only what is missing, and the
lake's tables account for every listed paper (held, failed with a reason, left out with a reason, superseded)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json

import pytest

from s1mm_assets.cli import main
from s1mm_assets.lib.analytics import query
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.sources.backends import BackendUnavailable, open_source
from s1mm_assets.lib.sources.http import ErrorBody
from s1mm_assets.lib.sources.sample import SampleSource
from s1mm_assets.lib.stages.paper_listing import list_papers
from s1mm_assets.lib.stages.raw_papers import NotListed, collect_papers, fetch_papers
from s1mm_assets_tests.sources import service_data as data
from s1mm_assets_tests.sources.months import BUILDERS, MONTH, LocalMonth, accounted, arxiv_bulk, arxiv_version
from s1mm_assets_tests.sources.servers import Reply

TODAY = dt.date(2024, 6, 1)
POLICY = "cc-by-compatible"


def listing(lake: Lake, month: LocalMonth, *, clock=None, on: str = MONTH, policy: str = POLICY, **options):
    with contextlib.closing(open_source(month.source, month.settings(), clock=clock)) as connector:
        return list_papers(lake, connector, month.source, on, backend="live", policy=policy, today=TODAY, **options)


def fetching(lake: Lake, month: LocalMonth, *, clock=None, on: str = MONTH, policy: str = POLICY, **options):
    with contextlib.closing(open_source(month.source, month.settings(), clock=clock)) as connector:
        return fetch_papers(lake, connector, month.source, on, policy=policy, skip_excluded_licenses=True, **options)


def ingest(lake: Lake, month: LocalMonth, *, clock=None, on: str = MONTH, policy: str = POLICY, cap: int = 0):
    """The listing, then the fetch, as paper_listing and raw_papers run them; what became of each paper."""
    listing(lake, month, clock=clock, on=on, policy=policy, cap=cap)
    fetching(lake, month, clock=clock, on=on, policy=policy, cap=cap)
    return accounted(lake, month.source, on)


# ---- a whole month, and the unhappy paths ---------------------------------------------------------------------


@pytest.mark.parametrize("source", sorted(BUILDERS))
def test_each_source_lists_before_fetching_and_a_rerun_downloads_nothing_it_has(source, local, lake):
    month = local(source)
    listing(lake, month)
    assert month.object_gets() == [] and month.downloads() == []  # listed, nothing downloaded yet
    _, rows = query(lake, "select paper_id, license_id, license_allowed from listings")
    assert {paper_id for paper_id, _, _ in rows} == set(month.expected)
    left_out = {paper_id for paper_id, outcome in month.expected.items() if outcome == "left_out"}
    assert {paper_id for paper_id, _, is_allowed in rows if not is_allowed} >= left_out

    fetching(lake, month)
    assert accounted(lake, source) == month.expected
    gets, downloads = len(month.object_gets()), len(month.downloads())
    listing(lake, month)
    fetching(lake, month)
    assert accounted(lake, source) == {
        paper_id: "unchanged" if outcome == "fetched" else outcome for paper_id, outcome in month.expected.items()
    }
    assert (len(month.object_gets()), len(month.downloads())) == (gets, downloads)


def test_429_and_503_with_retry_after_are_waited_out_and_nothing_is_lost(local, lake, clock):
    month = local("chemrxiv")
    month.http.fault("/works", Reply(503, b"<h1>Retry after 3 seconds</h1>", {"Retry-After": "3"}))
    month.http.fault("/pdf/a.pdf", Reply(429, b"slow down", {"Retry-After": "7"}))
    assert ingest(lake, month, clock=clock) == month.expected
    assert clock.sleeps == [3.0, 7.0]

    arxiv = local("arxiv")
    real_503 = "arxiv/oai/paperhive_nock/bodies/listrecords---should-list-identifiers-from-arxiv.01.http503.html"
    arxiv.http.fault("/oai", Reply(503, data.fixture_path(real_503).read_bytes(), {"Retry-After": "10"}))
    assert ingest(lake, arxiv, clock=clock) == arxiv.expected
    assert clock.sleeps[2:] == [10.0]


def test_a_download_cut_off_resumes_and_one_that_keeps_failing_is_fetched_by_the_next_run(local, lake, clock):
    month = local("chemrxiv")
    [first, second] = [paper_id for paper_id, outcome in month.expected.items() if outcome == "fetched"]
    month.http.fault("/pdf/a.pdf", Reply(drop_after=40_000))  # resumed with a Range request
    month.http.fault("/pdf/b.pdf", *[Reply(drop_after=40_000)] * 4)  # every attempt cut
    outcome = ingest(lake, month, clock=clock)
    assert outcome == month.expected | {second: "failed:http_error"}
    assert month.http.requests_to("/pdf/a.pdf")[1].headers["range"] == "bytes=40000-"

    before = len(month.downloads())
    assert ingest(lake, month) == month.expected | {first: "unchanged"}
    assert month.downloads()[before:] == ["/pdf/b.pdf"]


def test_an_object_download_cut_off_mid_stream_resumes_from_the_last_byte(local, lake):
    month = local("arxiv")
    month.proxy.drop_next_get("arXiv_src_2401_001.tar", after=60_000)
    assert ingest(lake, month) == month.expected
    assert month.proxy.dropped == 1


def test_a_truncated_tar_and_a_corrupt_member_are_quarantined_and_the_rest_of_the_month_proceeds(local, lake):
    month = local("arxiv")
    good, other = data.sample_bundle("arxiv", 0).content, data.sample_bundle("arxiv", 1).content
    tars = {
        "src/arXiv_src_2401_001.tar": {"2401/2401.00126.gz": good, "2401/2401.00143.gz": other[: len(other) // 2]},
        "src/arXiv_src_2401_002.tar": {"2401/2401.00200.gz": other},
    }
    objects = arxiv_bulk(tars)
    for key, content in objects.items():
        month.put(key, content[:-4096] if key.endswith("_002.tar") else content)
    outcome = ingest(lake, month, policy="any")
    assert outcome == {
        "arxiv:2401.00126": "fetched",
        "arxiv:2401.00143": "failed:corrupt_member",
        "arxiv:2401.00200": "failed:size_mismatch",
    }
    _, details = query(lake, "select paper_id, detail from quarantine where stage = 'raw_papers' order by 1")
    assert "truncated gzip" in details[0][1] and "announced" in details[1][1]

    tars["src/arXiv_src_2401_001.tar"]["2401/2401.00143.gz"] = other  # the bulk bucket is repaired
    for key, content in arxiv_bulk(tars).items():
        month.put(key, content)
    assert ingest(lake, month, policy="any") == {
        "arxiv:2401.00126": "unchanged",
        "arxiv:2401.00143": "fetched",
        "arxiv:2401.00200": "fetched",
    }


def test_a_meca_package_cut_short_fails_its_paper_with_the_reason(local, lake):
    month = local("medrxiv")
    [late] = [key for key in _keys(month) if key.startswith("Current_Content/February_2024/")]
    month.put(late, month.s3.client().get_object(Bucket=month.bucket, Key=late)["Body"].read()[:3000])
    paper_id = f"medrxiv:{data.sample_bundle('medrxiv', 1).metadata.doi}"
    assert ingest(lake, month) == month.expected | {paper_id: "failed:corrupt_archive"}
    _, [(detail,)] = query(lake, f"select detail from quarantine where paper_id = '{paper_id}'")
    assert late.rsplit("/", 1)[1] in detail


@pytest.mark.parametrize("source", ["arxiv", "medrxiv", "chemrxiv", "nature_communications"])
def test_an_empty_month_is_listed_complete_and_fetches_nothing(source, local, lake):
    month = local(source)
    no_posts = json.dumps({"messages": [{"status": "no posts found"}], "collection": []}).encode()
    no_hits = data.fixture_path("natcomm/europepmc/search_no_results.json").read_bytes()  # the real zero-hit answer
    empty = {
        "medrxiv": ("/details/medrxiv/2024-06-01/2024-06-30/0/json", no_posts),
        "chemrxiv": ("/works", data.crossref_page([], "x", 0)),
        "nature_communications": ("/search", no_hits),
    }
    if source in empty:
        path, body = empty[source]
        month.http.route(path, Reply(body=body))
    assert ingest(lake, month, on="2024-06") == {}
    _, [(complete, listed)] = query(lake, "select complete, listed from listing_progress")
    _, [(papers,)] = query(lake, "select count(*) from papers")
    assert (complete, listed, papers) == (True, 0, 0)
    assert month.object_gets() == [] and month.downloads() == []


def test_an_expired_resumption_token_restarts_from_the_last_datestamp_and_lists_each_paper_once(local, lake):
    month = local("arxiv")
    month.state["oai"].expire_next_token = True
    assert ingest(lake, month) == month.expected
    _, [(rows, distinct)] = query(lake, "select count(*), count(distinct paper_id) from listings")
    _, [(checkpoint,)] = query(lake, "select checkpoint from listing_progress")
    assert rows == distinct == len(month.expected) and json.loads(checkpoint)["restarts"] == 1


def test_errors_served_with_http_200_stop_the_listing_which_the_next_run_resumes(local, lake, clock):
    month = local("medrxiv")
    pages = "/details/medrxiv/2024-01-01/2024-01-31/"
    month.http.fault(f"{pages}0/json", Reply(200, b""))  # empty 200: retried
    error = {"messages": [{"status": "error: too many requests from this address"}], "collection": []}
    month.http.fault(f"{pages}2/json", Reply(200, json.dumps(error).encode()))  # reported: the listing stops
    with pytest.raises(ErrorBody, match="too many requests"):
        listing(lake, month, clock=clock, checkpoint_every=1)
    _, [(complete, checkpoint, failure)] = query(lake, "select complete, checkpoint, error from listing_progress")
    _, [(rows,)] = query(lake, "select count(*) from listings")
    assert (complete, json.loads(checkpoint)["cursor"], rows) == (False, 2, 2) and "too many requests" in failure
    assert len(clock.sleeps) == 1

    before = len(month.http.requests_to(pages))
    listing(lake, month, clock=clock)
    assert [r.path for r in month.http.requests_to(pages)[before:]] == [f"{pages}2/json"]  # page 1 not asked again
    fetching(lake, month)
    assert accounted(lake, "medrxiv") == month.expected


def test_a_relisting_that_stops_keeps_the_earlier_listing_until_it_completes(local, lake, clock):
    month = local("medrxiv")
    ingest(lake, month)
    error = {"messages": [{"status": "error: maintenance"}], "collection": []}
    month.http.fault("/details/medrxiv/2024-01-01/2024-01-31/2/json", Reply(200, json.dumps(error).encode()))
    with pytest.raises(ErrorBody):
        listing(lake, month, clock=clock, checkpoint_every=1)
    _, [(rows, stale)] = query(lake, "select count(*), count(*) filter (where stale) from listings")
    assert (rows, stale) == (len(month.expected), 2)
    fetching(lake, month)  # a fetch in between still accounts for every paper and downloads nothing
    assert set(accounted(lake, "medrxiv").values()) <= {"unchanged", "left_out"}
    listing(lake, month, clock=clock)
    _, [(rows, stale)] = query(lake, "select count(*), count(*) filter (where stale) from listings")
    assert (rows, stale) == (len(month.expected), 0)


def test_an_html_challenge_instead_of_a_pdf_fails_the_paper_and_the_next_run_fetches_only_it(local, lake):
    month = local("chemrxiv")
    [first, second] = [paper_id for paper_id, outcome in month.expected.items() if outcome == "fetched"]
    good = month.http.routes["/pdf/b.pdf"]
    month.http.route("/pdf/b.pdf", Reply(body=b"<!DOCTYPE html><html><title>Just a moment...</title></html>"))
    assert ingest(lake, month) == month.expected | {second: "failed:error_body"}
    month.http.routes["/pdf/b.pdf"] = good
    before = len(month.downloads())
    assert ingest(lake, month) == month.expected | {first: "unchanged"}
    assert month.downloads()[before:] == ["/pdf/b.pdf"]


def test_a_paper_revised_or_withdrawn_between_runs(local, lake):
    month = local("arxiv")
    assert ingest(lake, month, policy="any") == dict.fromkeys(month.expected, "fetched")
    oai = month.state["oai"]
    for arxiv_id, datestamp, versions in (  # after the bulk tar was packed: a v2, and a withdrawal
        ("2401.00126", "2024-03-02", (arxiv_version(1, 1, 3), arxiv_version(2, 3, 2))),
        ("2401.00143", "2024-03-03", (arxiv_version(1, 1, 9), arxiv_version(2, 3, 3, "I"))),
    ):
        oai.records = [
            (data.ArxivRecord(arxiv_id, datestamp, versions), meta) if record.arxiv_id == arxiv_id else (record, meta)
            for record, meta in oai.records
        ]
    oai.records.sort(key=lambda pair: (pair[0].datestamp, pair[0].arxiv_id))
    revised = data.sample_bundle("arxiv", 1).content
    month.http.route("/e-print/2401.00126v2", Reply(body=revised, headers={"Content-Type": "application/x-eprint-tar"}))
    gets = len(month.object_gets())
    assert ingest(lake, month, policy="any") == {
        "arxiv:2401.00126": "fetched",
        "arxiv:2401.00143": "failed:withdrawn",
        "arxiv:2401.00200": "unchanged",
    }
    assert month.downloads() == ["/e-print/2401.00126v2"]
    assert [line.split()[1].rsplit("/", 1)[1] for line in month.object_gets()[gets:]] == ["arXiv_src_manifest.xml"]
    _, rows = query(lake, "select paper_id, version, stale from listings order by 1")
    assert [(paper_id, version) for paper_id, version, _ in rows] == [
        ("arxiv:2401.00126", "2"),
        ("arxiv:2401.00143", "2"),
        ("arxiv:2401.00200", "1"),
    ]
    _, [(sha,)] = query(lake, "select bundle_sha256 from papers where paper_id = 'arxiv:2401.00126'")
    assert sha == hashlib.sha256(revised).hexdigest()


def test_a_version_posted_later_in_the_month_supersedes_the_first(local, lake):
    month = local("medrxiv")
    ingest(lake, month)
    revised = month.state["records"][2]  # the generated paper deposited in February's folder
    month.state["records"].append(dict(revised, version="2", date="2024-01-31"))
    package = data.rewrite_meca_version(data.sample_bundle("medrxiv", 1).content, "2")
    month.put("Current_Content/February_2024/f00dfeed-v2.meca", package)
    report = (listing(lake, month), fetching(lake, month))[1]
    paper_id = f"medrxiv:{revised['doi']}"
    _, rows = query(lake, f"select version, status from fetches where paper_id = '{paper_id}' order by 1")
    assert rows == [("1", "superseded"), ("2", "fetched")]
    assert accounted(lake, "medrxiv")[paper_id] == "fetched"
    assert report.metrics["bytes_downloaded"] == len(package) and report.metrics["unchanged"] == 2


def test_a_later_run_adds_what_pmc_received_since(local, lake):
    month = local("nature_communications")
    ingest(lake, month)
    pages = month.state["pages"]
    deposited = dict(pages["AoIIP1"][0][0], pmcid="PMC2000001", inPMC="Y", isOpenAccess="Y", license="cc by")
    pages["AoIIP1"] = ([deposited, *pages["AoIIP1"][0][1:]], "AoIIP2")
    for name, content in data.unpack_tar_gz(data.sample_bundle("nature_communications", 0).content).items():
        month.put(f"PMC2000001.1/{name}", content)
    gets = len(month.object_gets())
    outcome = ingest(lake, month)
    new = f"nature_communications:{deposited['doi']}"
    assert outcome[new] == "fetched"
    assert {paper_id for paper_id, status in outcome.items() if status == "unchanged"} == {
        paper_id for paper_id, status in month.expected.items() if status == "fetched"
    }
    assert all("PMC2000001" in line for line in month.object_gets()[gets:])


class Killed(Exception):
    """What a killed worker looks like from inside the stage."""


class DiesAfterFirstDownload:
    """A connector whose process is killed right after its first bundle arrived."""

    def __init__(self, connector):
        self.connector = connector

    def fetch(self, papers, **options):
        for outcome in self.connector.fetch(papers, **options):
            yield outcome
            if outcome.status == "fetched":
                raise Killed


def test_a_run_killed_while_fetching_keeps_what_it_fetched_and_the_next_fetches_the_rest(local, lake):
    month = local("chemrxiv")
    listing(lake, month)
    with contextlib.closing(open_source("chemrxiv", month.settings())) as connector, pytest.raises(Killed):
        fetch_papers(lake, DiesAfterFirstDownload(connector), "chemrxiv", MONTH, policy=POLICY, checkpoint_every=1)
    _, rows = query(lake, "select paper_id, status from fetches")
    [(kept, _)] = [row for row in rows if row[1] == "fetched"]
    assert month.downloads() == ["/pdf/a.pdf"]
    fetching(lake, month)
    assert month.downloads() == ["/pdf/a.pdf", "/pdf/b.pdf"]
    assert accounted(lake, "chemrxiv") == month.expected | {kept: "unchanged"}


def test_licences_the_release_policy_excludes_are_listed_and_never_downloaded(local, lake):
    month = local("chemrxiv")
    ingest(lake, month)
    _, [(paper_id, license_id, reason)] = query(
        lake,
        "select l.paper_id, l.license_id, f.reason from listings l join fetches f using (paper_id, version) "
        "where f.status = 'left_out'",
    )
    assert (license_id, reason) == ("CC-BY-NC-4.0", "license_not_allowed")
    assert "/pdf/c.pdf" not in month.downloads()
    month.http.route("/pdf/c.pdf", Reply(body=data.sample_bundle("chemrxiv", 0).content))
    assert ingest(lake, month, policy="creative-commons")[paper_id] == "fetched"  # a wider policy fetches it
    assert month.downloads().count("/pdf/c.pdf") == 1


def test_the_paper_cap_lists_and_fetches_the_first_papers_and_a_rerun_asks_nothing(local, lake):
    month = local("arxiv")
    assert ingest(lake, month, cap=2, policy="any") == {"arxiv:2401.00126": "fetched", "arxiv:2401.00143": "fetched"}
    _, [(complete, listed)] = query(lake, "select complete, listed from listing_progress")
    assert (complete, listed) == (False, 2)
    requests = len(month.http.log)
    report = listing(lake, month, cap=2, policy="any")
    assert len(month.http.log) == requests and "paper cap" in report.metrics["notes"]
    listing(lake, month, policy="any")  # the cap lifted: listed again from the start, as the cap cut a page
    assert fetching(lake, month, policy="any").metrics["fetched"] == 1
    assert accounted(lake, "arxiv") == dict.fromkeys(month.expected, "unchanged") | {"arxiv:2401.00200": "fetched"}


def test_raw_papers_without_a_listing_says_what_to_run_first(lake):
    with pytest.raises(NotListed, match="materialize paper_listing first"):
        fetch_papers(lake, None, "arxiv", MONTH, policy=POLICY)


def test_the_live_backend_refuses_to_start_without_a_contact_address(local):
    month = local("arxiv")
    with pytest.raises(BackendUnavailable, match="S1MM_HTTP_CONTACT_EMAIL"):
        open_source("arxiv", month.settings(S1MM_HTTP_CONTACT_EMAIL=""))


def test_the_sample_catalog_describes_exactly_the_papers_it_generates():
    sample = SampleSource(papers_per_partition=2)
    for source in ("arxiv", "biorxiv"):
        catalog = list(sample.catalog(source, MONTH))
        bundles = [sample.bundle(source, MONTH, entry) for entry in catalog]
        assert [(e.paper_id, e.filename, e.metadata) for e in catalog] == [
            (b.paper_id, b.filename, b.metadata) for b in bundles
        ]


def _keys(month: LocalMonth) -> list[str]:
    return [item["Key"] for item in month.s3.client().list_objects_v2(Bucket=month.bucket)["Contents"]]


def test_s1mm_sources_list_says_what_a_month_holds_and_would_fetch_without_fetching(local, lake, monkeypatch, capsys):
    month = local("arxiv")
    for variable, value in month.environment.items():
        monkeypatch.setenv(variable, value)

    def sources_list(*options: str) -> dict:
        assert main(["sources", "list", "--source", "arxiv", "--month", MONTH, "--format", "json", *options]) == 0
        return json.loads(capsys.readouterr().out)

    summary = sources_list()
    assert (summary["listed"], summary["complete"], summary["by_status"]) == (3, True, {"available": 3})
    assert {(e["license_id"], e["allowed"]): e["papers"] for e in summary["by_license"]} == {
        ("CC-BY-4.0", True): 2,
        ("arXiv-nonexclusive-1.0", False): 1,
    }
    assert (summary["would_fetch"], summary["left_out_by_license"], summary["already_in_lake"]) == (2, 1, 0)
    assert month.object_gets() == [] and month.downloads() == [] and not lake.partitions("listings")

    ingest(lake, month)
    assert (sources_list()["would_fetch"], sources_list()["already_in_lake"]) == (0, 2)
    capped = sources_list("--limit", "1")
    assert (capped["listed"], capped["complete"]) == (1, False)
    assert main(["sources", "list", "--source", "arxiv", "--month", MONTH]) == 0
    table = capsys.readouterr().out
    assert "would fetch: 0 (left out by licence 1, nothing to fetch yet 0, already in the lake 2)" in table

    monkeypatch.setenv("S1MM_ARXIV_OAI_URL", month.http.url("/missing"))
    assert main(["sources", "list", "--source", "arxiv", "--month", MONTH]) == 2
    assert "HTTP 404" in capsys.readouterr().err


def test_a_switch_to_the_live_backend_does_not_mix_in_what_the_sample_backend_listed(local, lake):
    month = local("chemrxiv")
    collect_papers(lake, SampleSource(papers_per_partition=1), "chemrxiv", MONTH)
    failure = json.dumps({"status": "failed", "message": [{"type": "cursor-invalid"}]}).encode()
    month.http.fault("/works", Reply(200, failure))
    with pytest.raises(ErrorBody):
        listing(lake, month)
    _, [(backend, rows)] = query(lake, "select backend, (select count(*) from listings) from listing_progress")
    assert (backend, rows) == ("live", 0)
    assert ingest(lake, month) == month.expected
