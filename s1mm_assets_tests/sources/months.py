"""One month of each of the five services on the local servers, and the settings that point s1mm's `live` backend
at them: what the stage tests and the end-to-end tests of the wired pipeline harvest.

Each month holds papers whose bundles the extractors turn into figures (the sample generator's LaTeX, MECA, PDF
and PMC packages, plus the real medRxiv MECA and the real Springer Nature JATS where a source has one), a paper
whose licence the default release policy excludes (so it is listed and left out, never downloaded), and what
makes each service itself: arXiv's revised December paper that OAI lists in January, a medRxiv package deposited
in the next month's folder, a ChemRxiv paper with no PDF link, Nature Communications articles not yet deposited
in PMC. How each served format is made from the real captures: service_data.py.

The S3 server is reached through a `DroppingProxy`, whose log shows every object request, so a test can tell that
a run downloaded nothing it already had.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import uuid
from typing import Any

from s1mm_assets.lib.analytics import query
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.settings import Settings, load_settings
from s1mm_assets_tests.sources import service_data as data
from s1mm_assets_tests.sources.servers import DroppingProxy, FixtureHttpServer, Reply, S3Server

MONTH = data.MONTH
CONTACT = "ops@example.org"
CC_BY_URL = "https://creativecommons.org/licenses/by/4.0/"
CC_BY_NC_URL = "https://creativecommons.org/licenses/by-nc/4.0/"


@dataclasses.dataclass
class LocalMonth:
    """A month of one source on the local servers."""

    source: str
    http: FixtureHttpServer
    s3: S3Server
    proxy: DroppingProxy
    bucket: str
    environment: dict[str, str]  # S1MM_* variables: the live backend, pointed at these servers
    expected: dict[str, str]  # paper id -> what the first run does with it: fetched, left_out, failed:<reason>...
    download_paths: tuple[str, ...] = ()  # HTTP paths of downloads (PDFs, e-prints), as opposed to listing calls
    state: dict[str, Any] = dataclasses.field(default_factory=dict)  # what a test changes between runs

    def settings(self, **overrides: str) -> Settings:
        """The settings a run gets from this environment (and the test's S1MM_HOME, so no config file leaks in)."""
        return load_settings({**self.environment, "S1MM_HOME": os.environ["S1MM_HOME"], **overrides})

    def object_gets(self) -> list[str]:
        """Object downloads seen on the S3 server so far (GETs of a key, not bucket listings)."""
        return [line for line in self.proxy.requests if line.startswith("GET ") and "list-type" not in line]

    def downloads(self) -> list[str]:
        """HTTP downloads seen so far."""
        return [r.path for r in self.http.log if r.path.startswith(self.download_paths)] if self.download_paths else []

    def put(self, key: str, content: bytes) -> None:
        self.s3.client().put_object(Bucket=self.bucket, Key=key, Body=content, ACL="public-read")


def _environment(proxy: DroppingProxy, **source_settings: str) -> dict[str, str]:
    return {
        "S1MM_SOURCE_BACKEND": "live",
        "S1MM_HTTP_CONTACT_EMAIL": CONTACT,
        "S1MM_HTTP_RATE_LIMITS_ENABLED": "false",
        "S1MM_HTTP_MAX_ATTEMPTS": "4",
        "S1MM_HTTP_BACKOFF_INITIAL_S": "1",
        "S1MM_HTTP_BACKOFF_JITTER_S": "0.5",
        "S1MM_S3_ENDPOINT_URL": proxy.endpoint_url,
        "S1MM_S3_ACCESS_KEY_ID": S3Server.access_key,
        "S1MM_S3_SECRET_ACCESS_KEY": S3Server.secret_key,
        **{f"S1MM_{name.upper()}": value for name, value in source_settings.items()},
    }


def _bucket(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# ---- arXiv ---------------------------------------------------------------------------------------------------

ARXIV_PACKED = "2024-02-05 04:34:46"


def arxiv_version(number: int, month: int, day: int, source_type: str = "D") -> data.ArxivVersion:
    return data.ArxivVersion(number, dt.datetime(2024, month, day, 10, 0), source_type)


def arxiv_month(http: FixtureHttpServer, s3: S3Server) -> LocalMonth:
    """Two CC BY papers in the bulk tar, one under arXiv's own licence (left out), a December paper revised in
    January (harvested, not in the month), listed two records a page."""
    real = data.real_arxiv_metadata()  # [3] and [4] are CC BY 4.0, the others arXiv's non-exclusive licence
    first, second = data.sample_bundle("arxiv", 0).content, data.sample_bundle("arxiv", 1).content
    records = [
        (data.ArxivRecord("2401.00126", "2024-01-05", (arxiv_version(1, 1, 3),)), real[3]),
        (data.ArxivRecord("2401.00143", "2024-01-10", (arxiv_version(1, 1, 9),)), real[4]),
        (data.ArxivRecord("2312.09999", "2024-01-10", (arxiv_version(1, 12, 20), arxiv_version(2, 1, 10))), real[2]),
        (data.ArxivRecord("2401.00200", "2024-01-12", (arxiv_version(1, 1, 11),)), real[0]),
    ]
    oai = data.OaiService(records, page_size=2)
    http.route("/oai", lambda request: Reply(body=oai.answer(request.query), headers={"Content-Type": "text/xml"}))
    bucket = _bucket("arxiv")
    members = {"2401/2401.00126.gz": first, "2401/2401.00143.gz": second, "2401/2401.00200.gz": first}
    s3.put_bucket(bucket, arxiv_bulk({"src/arXiv_src_2401_001.tar": members}), requester_pays=True)
    proxy = DroppingProxy(s3.endpoint_url)
    environment = _environment(
        proxy, arxiv_oai_url=http.url("/oai"), arxiv_eprint_url=http.url("/e-print"), arxiv_s3_bucket=bucket
    )
    expected = {"arxiv:2401.00126": "fetched", "arxiv:2401.00143": "fetched", "arxiv:2401.00200": "left_out"}
    return LocalMonth("arxiv", http, s3, proxy, bucket, environment, expected, ("/e-print/",), {"oai": oai})


def arxiv_bulk(tars: dict[str, dict[str, bytes]]) -> dict[str, bytes]:
    """The manifest and the tars (key -> members), as the bulk bucket keeps them."""
    objects: dict[str, bytes] = {}
    entries = []
    for key, members in tars.items():
        objects[key] = data.bulk_tar(members)
        ids = sorted(name.split("/")[1].removesuffix(".gz") for name in members)
        entries.append(data.manifest_entry(key, objects[key], ids[0], ids[-1], len(ids), ARXIV_PACKED))
    return {"src/arXiv_src_manifest.xml": data.bulk_manifest(entries), **objects}


# ---- bioRxiv / medRxiv ---------------------------------------------------------------------------------------


def preprint_month(http: FixtureHttpServer, s3: S3Server, server: str) -> LocalMonth:
    """medRxiv: the real MECA and a generated one, a CC BY-NC-ND preprint (left out), and a generated paper whose
    package was deposited in February's folder. bioRxiv: generated MECA packages only (no real one exists)."""
    first, second = data.sample_bundle(server, 0), data.sample_bundle(server, 1)
    packages = {f"Current_Content/January_2024/{uuid.uuid4()}.meca": first.content}
    records = [
        data.details_record_from_jats(
            data.meca_article(first.content), version="1", date="2024-01-10", license_code="cc_by", published="NA"
        ),
        data.details_record_from_jats(
            data.meca_article(second.content),
            version="1",
            date="2024-01-31",
            license_code="cc_by",
            published="10.1038/s41467-024-00001-1",
        ),
        dict(
            data.details_record_from_jats(
                data.meca_article(first.content),
                version="1",
                date="2024-01-12",
                license_code="cc_by_nc_nd",
                published="NA",
            ),
            doi=f"10.1101/2024.01.12.{'24' if server == 'medrxiv' else ''}999999",
        ),
    ]
    packages[f"Current_Content/February_2024/{uuid.uuid4()}.meca"] = second.content
    expected = {
        f"{server}:{first.metadata.doi}": "fetched",
        f"{server}:{second.metadata.doi}": "fetched",
        f"{server}:{records[2]['doi']}": "left_out",
    }
    if server == "medrxiv":
        real = data.real_meca()
        records.insert(
            0,
            data.details_record_from_jats(
                data.meca_article(real), version="1", date="2024-01-24", license_code="cc_by", published="NA"
            ),
        )
        packages[f"Current_Content/January_2024/{uuid.uuid4()}.meca"] = real
        expected[f"medrxiv:{records[0]['doi']}"] = "fetched"
    for record in records:
        record["server"] = server
    state = {"records": records}

    def details(request):
        cursor = int(request.path.split("/")[-2])
        page = data.details_page(state["records"], cursor, page_size=2)
        return Reply(body=page, headers={"Content-Type": "application/json"})

    for cursor in range(0, 12, 2):
        http.route(f"/details/{server}/2024-01-01/2024-01-31/{cursor}/json", details)
    bucket = _bucket(server)
    s3.put_bucket(bucket, packages, requester_pays=True)
    proxy = DroppingProxy(s3.endpoint_url)
    environment = _environment(proxy, biorxiv_api_url=http.base_url, **{f"{server}_s3_bucket": bucket})
    return LocalMonth(server, http, s3, proxy, bucket, environment, expected, state=state)


# ---- ChemRxiv ------------------------------------------------------------------------------------------------


def chemrxiv_month(http: FixtureHttpServer, s3: S3Server) -> LocalMonth:
    """Two CC BY PDFs (the second a revision, `-v2`), a CC BY-NC paper (left out) and one with no PDF link."""
    first, second = data.sample_bundle("chemrxiv", 0), data.sample_bundle("chemrxiv", 1)
    day = dt.date(2024, 1, 17)
    items = [
        data.crossref_item(
            first.metadata.doi, first.metadata.title, first.metadata.authors, day, CC_BY_URL, http.url("/pdf/a.pdf")
        ),
        data.crossref_item(
            f"{second.metadata.doi}-v2",
            second.metadata.title,
            second.metadata.authors,
            day,
            CC_BY_URL,
            http.url("/pdf/b.pdf"),
            relation={"is-preprint-of": [{"id-type": "doi", "id": "10.1021/jacs.4c00001", "asserted-by": "subject"}]},
        ),
        data.crossref_item(
            "10.26434/chemrxiv-2024-nc001", "A", ("Ada Lovelace",), day, CC_BY_NC_URL, http.url("/pdf/c.pdf")
        ),
        data.crossref_item("10.26434/chemrxiv-2024-nolnk", "No PDF link", ("Alan Turing",), day, CC_BY_URL, ""),
    ]
    pages = {"*": (items[:2], "c2"), "c2": (items[2:], "c3"), "c3": ([], "c3")}
    http.route(
        "/works",
        lambda request: Reply(
            body=data.crossref_page(*pages[request.query["cursor"]], len(items)),
            headers={"Content-Type": "application/json"},
        ),
    )
    pdf = {"Content-Type": "application/pdf"}
    http.route("/pdf/a.pdf", Reply(body=first.content, headers=pdf, ranges=True))
    http.route("/pdf/b.pdf", Reply(body=second.content, headers=pdf, ranges=True))
    proxy = DroppingProxy(s3.endpoint_url)
    environment = _environment(proxy, chemrxiv_crossref_url=http.base_url)
    expected = {
        first.paper_id: "fetched",
        second.paper_id: "fetched",
        "chemrxiv:10.26434/chemrxiv-2024-nc001": "left_out",
        "chemrxiv:10.26434/chemrxiv-2024-nolnk": "failed:no_full_text_link",
    }
    return LocalMonth("chemrxiv", http, s3, proxy, "", environment, expected, ("/pdf/",), {"items": items})


# ---- Nature Communications -----------------------------------------------------------------------------------

REAL_PMCID = "PMC12311175"


def natcomm_month(http: FixtureHttpServer, s3: S3Server) -> LocalMonth:
    """Two generated PMC packages (one at version 2, beside its version 1), the real Springer Nature JATS, and the
    three real Nature Communications records Europe PMC lists before PMC has them (pending deposit)."""
    envelope, core, pending = data.europepmc_records()
    first = data.unpack_tar_gz(data.sample_bundle("nature_communications", 0).content)
    second = data.unpack_tar_gz(data.sample_bundle("nature_communications", 1).content)
    bucket = _bucket("pmc")
    real = data.fixture_path("natcomm/europepmc/PMC12311175_raw.xml").read_bytes()
    objects = {f"{REAL_PMCID}.1/{REAL_PMCID}.1.xml": real}
    objects["PMC1006065.1/PMC1006065.1.xml"] = b"<article>the first version</article>"
    objects |= {f"PMC1006065.2/{name}": content for name, content in first.items()}
    objects |= {f"PMC1011495.1/{name}": content for name, content in second.items()}
    objects["metadata/PMC1006065.2.json"] = data.pmc_metadata(bucket, "PMC1006065.2", first)
    objects["metadata/PMC1011495.1.json"] = data.pmc_metadata(bucket, "PMC1011495.1", second)
    s3.put_bucket(bucket, objects, public=True)
    available = [
        data.as_nat_commun(core[0], doi="10.1038/s41467-024-00101-1", pmcid=REAL_PMCID, date="2024-01-05"),
        data.as_nat_commun(core[1], doi="10.1038/s41467-024-00102-2", pmcid="PMC1006065", date="2024-01-12"),
        data.as_nat_commun(core[2], doi="10.1038/s41467-024-00103-3", pmcid="PMC1011495", date="2024-01-19"),
    ]
    for record in available:  # CC BY, as every Nature Communications article since 2016
        record["license"] = "cc by"
    not_yet = [data.as_nat_commun(record, doi=record["doi"], pmcid="", date="2024-01-30") for record in pending]
    pages = {"*": (available, "AoIIP1"), "AoIIP1": (not_yet, "AoIIP2"), "AoIIP2": ([], "AoIIP2")}

    def search(request):
        records, next_mark = pages[request.query["cursorMark"]]
        return Reply(body=data.europepmc_page(envelope, records, request.query["cursorMark"], next_mark))

    http.route("/search", search)
    proxy = DroppingProxy(s3.endpoint_url)
    environment = _environment(proxy, natcomm_europepmc_url=http.base_url, natcomm_pmc_bucket=bucket)
    expected = {f"nature_communications:{record['doi']}": "fetched" for record in available}
    expected |= {f"nature_communications:{record['doi']}": "failed:pending_deposit" for record in not_yet}
    return LocalMonth("nature_communications", http, s3, proxy, bucket, environment, expected, state={"pages": pages})


def accounted(lake: Lake, source: str, month: str = MONTH) -> dict[str, str]:
    """What became of each listed paper (its newest version listed): `fetched`, `unchanged`, `left_out`, or
    `failed:<reason>`; asserting on the way that the tables agree about every listed paper and version."""
    where = f"source = '{source}' and month = '{month}'"
    _, [(listed,)] = query(lake, f"select count(*) from listings where {where}")
    _, [(fetches,)] = query(lake, f"select count(*) from fetches where {where}")
    assert fetches == listed, "one outcome per listed paper and version"
    _, rows = query(
        lake,
        f"""
        select l.paper_id, l.version, l.superseded_by, f.status, f.reason, f.blob_path,
            exists (select 1 from papers p where p.paper_id = l.paper_id and p.source = l.source and p.month = l.month),
            (select list(q.reason) from quarantine q where q.paper_id = l.paper_id and q.stage = 'raw_papers'
                and q.source = l.source and q.month = l.month)
        from listings l left join fetches f
            on f.paper_id = l.paper_id and f.version = l.version and f.source = l.source and f.month = l.month
        where l.{where.replace(" and ", " and l.")}
        """,
    )
    outcome = {}
    for paper_id, version, superseded_by, status, reason, blob, in_papers, quarantined in rows:
        quarantined = quarantined or []
        if superseded_by:  # the paper's newest version stands for it
            assert status == "superseded", (paper_id, version)
        elif status in ("fetched", "unchanged"):
            assert lake.fs.exists(lake.path(blob)) and (in_papers or "unreadable_bundle" in quarantined), paper_id
            outcome[paper_id] = status
        elif status == "failed":
            assert reason and quarantined == [reason] and not in_papers, (paper_id, reason, quarantined)
            outcome[paper_id] = f"failed:{reason}"
        else:
            assert status == "left_out" and reason and not in_papers, (paper_id, status)
            outcome[paper_id] = status
    return outcome


BUILDERS = {
    "arxiv": arxiv_month,
    "biorxiv": lambda http, s3: preprint_month(http, s3, "biorxiv"),
    "medrxiv": lambda http, s3: preprint_month(http, s3, "medrxiv"),
    "chemrxiv": chemrxiv_month,
    "nature_communications": natcomm_month,
}
