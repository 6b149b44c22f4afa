"""Source connectors: listing and download throughput against the local test servers, rate limits off, and the
politeness-bound time one real month of each source takes.

The local numbers say how much the connectors themselves cost (parsing, paging, hashing, splitting tars, zip
directories read by range) when the network and the services' rate limits are out of the way: papers/s for
listing, MB/s for downloads. The real month is bound by the services' politeness rules, not by this code; that
part is arithmetic over assumed month sizes (each stated with where it comes from) and the default rate
limits of `HttpSettings`.

Needs ../shared/fixtures/sources (the served formats are derived from it, as in the tests).

    PYTHONPATH=. .venv/bin/python bench/source_throughput.py [--papers 5000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from s1mm_assets.lib.sources.arxiv import ArxivSettings
from s1mm_assets.lib.sources.biorxiv import BiorxivSettings
from s1mm_assets.lib.sources.chemrxiv import ChemrxivSettings
from s1mm_assets.lib.sources.connectors import open_connector
from s1mm_assets.lib.sources.http import HttpSettings, PoliteClient
from s1mm_assets.lib.sources.nature_communications import NatureCommunicationsSettings
from s1mm_assets.lib.sources.s3 import S3Settings
from s1mm_assets_tests.sources import service_data as data
from s1mm_assets_tests.sources.servers import FixtureHttpServer, Reply, S3Server

HTTP = HttpSettings(http_rate_limits_enabled=False, http_contact_email="bench@example.org")
MB = 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=5000, help="records per listed month")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions; the median is reported")
    parser.add_argument(
        "--ingest-only",
        action="store_true",
        help="only the pipeline's ingest stages (paper_listing + raw_papers into a lake) beside the bare connectors",
    )
    parser.add_argument("--ingest-papers", type=int, default=200, help="papers per source for the ingest part")
    arguments = parser.parse_args()
    if not data.FIXTURES.is_dir():
        sys.exit(f"service fixtures not found at {data.FIXTURES}")
    http_server = FixtureHttpServer().start()
    s3_server = S3Server().start()
    s3 = S3Settings(
        s3_endpoint_url=s3_server.endpoint_url,
        s3_access_key_id=S3Server.access_key,
        s3_secret_access_key=S3Server.secret_key,
    )
    results = {"papers_per_month": arguments.papers, "rounds": arguments.rounds, "listing": {}, "download": {}}
    try:
        if arguments.ingest_only:
            results = {"rounds": arguments.rounds, "ingest": ingest(http_server, s3_server, s3, arguments)}
            print(json.dumps(results, indent=2))
            return
        for name, setup in (
            ("arxiv", _arxiv_listing),
            ("medrxiv", _medrxiv_listing),
            ("chemrxiv", _chemrxiv_listing),
            ("nature_communications", _natcomm_listing),
        ):
            connector = setup(http_server, s3, arguments.papers)
            times = [
                _timed(
                    lambda c=connector: sum(len(p.papers) for p in c.list_month("2024-01", today=dt.date(2024, 6, 1)))
                )
                for _ in range(arguments.rounds)
            ]
            counts = {count for _, count in times}
            assert counts == {arguments.papers}, f"{name} listed {counts}, expected {arguments.papers}"
            seconds = statistics.median(t for t, _ in times)
            results["listing"][name] = {
                "papers": arguments.papers,
                "median_s": round(seconds, 3),
                "papers_per_s": round(arguments.papers / seconds),
            }
            connector.client.close()
        results["download"]["http_pdf"] = _http_download(http_server, arguments.rounds)
        results["download"]["arxiv_bulk_tar"] = _arxiv_bulk(http_server, s3_server, s3, arguments.rounds)
        results["download"]["medrxiv_meca"] = _medrxiv_meca(http_server, s3_server, s3, arguments.rounds)
        results["ingest"] = ingest(http_server, s3_server, s3, arguments)
    finally:
        http_server.stop()
        s3_server.stop()
    results["real_month_politeness_bound"] = politeness_bound()
    print(json.dumps(results, indent=2))


def _timed(function):
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


# ---- listing -------------------------------------------------------------------------------------------------


def _arxiv_listing(server, s3, papers):
    metadata = data.real_arxiv_metadata()
    records = [
        (
            data.ArxivRecord(
                f"2401.{index:05d}",
                f"2024-01-{1 + index * 28 // papers:02d}",
                (data.ArxivVersion(1, dt.datetime(2024, 1, 1 + index * 28 // papers)),),
            ),
            metadata[index % len(metadata)],
        )
        for index in range(papers)
    ]
    oai = data.OaiService(records, page_size=1300)  # the page size arXiv's service was observed to send in 2026
    pages: dict[str, bytes] = {}

    def answer(request):
        key = request.raw_query
        if key not in pages:  # serve pre-rendered pages: the bench measures the client, not the fixture
            pages[key] = oai.answer(request.query)
        return Reply(body=pages[key])

    server.route("/oai", answer)
    settings = ArxivSettings(arxiv_oai_url=server.url("/oai"))
    return open_connector("arxiv", settings, http=HTTP, s3=s3)


def _medrxiv_listing(server, s3, papers):
    article = data.meca_article(data.real_meca())
    record = data.details_record_from_jats(
        article, version="1", date="2024-01-24", license_code="cc_by", published="NA"
    )
    records = [dict(record, doi=f"10.1101/2024.01.24.{24000000 + index}") for index in range(papers)]
    bodies = {cursor: data.details_page(records, cursor, page_size=30) for cursor in range(0, papers, 30)}
    for cursor, body in bodies.items():
        server.route(f"/details/medrxiv/2024-01-01/2024-01-31/{cursor}/json", Reply(body=body))
    return open_connector("medrxiv", BiorxivSettings(biorxiv_api_url=server.url("")), http=HTTP, s3=s3)


def _chemrxiv_listing(server, s3, papers):
    items = [
        data.crossref_item(
            f"10.26434/chemrxiv-2024-{index:05d}",
            "A title",
            ("Ada Lovelace", "Alan Turing"),
            dt.date(2024, 1, 15),
            "https://creativecommons.org/licenses/by/4.0/",
            f"https://chemrxiv.org/{index}.pdf",
        )
        for index in range(papers)
    ]
    pages = {}
    for start in range(0, papers, 1000):
        cursor = "*" if start == 0 else f"c{start}"
        pages[cursor] = data.crossref_page(items[start : start + 1000], f"c{start + 1000}", papers)
    pages[f"c{papers}"] = data.crossref_page([], f"c{papers}", papers)
    server.route("/works", lambda request: Reply(body=pages[request.query["cursor"]]))
    return open_connector("chemrxiv", ChemrxivSettings(chemrxiv_crossref_url=server.url("")), http=HTTP)


def _natcomm_listing(server, s3, papers):
    envelope, core, _ = data.europepmc_records()
    records = [
        data.as_nat_commun(
            core[index % 3], doi=f"10.1038/s41467-024-{index:05d}-1", pmcid=f"PMC{3000000 + index}", date="2024-01-15"
        )
        for index in range(papers)
    ]
    pages = {}
    for start in range(0, papers, 1000):
        mark = "*" if start == 0 else f"m{start}"
        pages[mark] = data.europepmc_page(envelope, records[start : start + 1000], mark, f"m{start + 1000}")
    pages[f"m{papers}"] = data.europepmc_page(envelope, [], f"m{papers}", f"m{papers}")
    server.route("/search", lambda request: Reply(body=pages[request.query["cursorMark"]]))
    settings = NatureCommunicationsSettings(natcomm_europepmc_url=server.url(""))
    return open_connector("nature_communications", settings, http=HTTP, s3=s3)


# ---- downloads -----------------------------------------------------------------------------------------------


def _http_download(server, rounds):
    payload = (bytes(range(256)) * 4096) * 50  # 52 MB
    server.route("/big.pdf", Reply(body=payload, ranges=True))
    times = []
    with PoliteClient(HTTP) as client, tempfile.TemporaryDirectory() as scratch:
        for _ in range(rounds):
            seconds, result = _timed(lambda: client.download(server.url("/big.pdf"), Path(scratch) / "big.pdf"))
            assert result.sha256 == hashlib.sha256(payload).hexdigest()
            times.append(seconds)
    seconds = statistics.median(times)
    return {"bytes": len(payload), "median_s": round(seconds, 3), "MB_per_s": round(len(payload) / MB / seconds, 1)}


def _arxiv_bulk(server, s3_server, s3, rounds):
    """One bulk tar of 200 members fetched and split: papers/s and MB/s through download, md5 check and split."""
    member = gzip.compress(os.urandom(250_000))  # a 250 kB source that does not compress, like a real .gz member
    count = 200
    tar = data.bulk_tar({f"2401/2401.{index:05d}.gz": member for index in range(1, count + 1)})
    manifest = data.bulk_manifest(
        [
            data.manifest_entry(
                "src/arXiv_src_2401_001.tar", tar, "2401.00001", f"2401.{count:05d}", count, "2024-02-05 04:34:46"
            )
        ]
    )
    bucket = f"arxiv-bench-{uuid.uuid4().hex[:6]}"
    s3_server.put_bucket(
        bucket, {"src/arXiv_src_manifest.xml": manifest, "src/arXiv_src_2401_001.tar": tar}, requester_pays=True
    )
    metadata = data.real_arxiv_metadata()[0]
    records = [
        (
            data.ArxivRecord(f"2401.{index:05d}", "2024-01-20", (data.ArxivVersion(1, dt.datetime(2024, 1, 20)),)),
            metadata,
        )
        for index in range(1, count + 1)
    ]
    oai = data.OaiService(records, page_size=1300)
    server.route("/oai", lambda request: Reply(body=oai.answer(request.query)))
    connector = open_connector(
        "arxiv", ArxivSettings(arxiv_oai_url=server.url("/oai"), arxiv_s3_bucket=bucket), http=HTTP, s3=s3
    )
    papers = [p for page in connector.list_month("2024-01", today=dt.date(2024, 6, 1)) for p in page.papers]
    times = []
    for _ in range(rounds):
        seconds, outcomes = _timed(lambda: list(connector.fetch(papers)))
        assert sum(o.status == "fetched" for o in outcomes) == count
        times.append(seconds)
    connector.client.close()
    seconds = statistics.median(times)
    return {
        "tar_bytes": len(tar),
        "papers": count,
        "median_s": round(seconds, 3),
        "papers_per_s": round(count / seconds),
        "MB_per_s": round(len(tar) / MB / seconds, 1),
    }


def _medrxiv_meca(server, s3_server, s3, rounds):
    """A month folder of 40 MECA packages: identified by ranged reads of their manifests, 20 of them fetched."""
    real = data.real_meca()
    article = data.meca_article(real)
    count, wanted = 40, 20
    packages = {}
    records = []
    for index in range(count):
        doi = f"10.1101/2024.01.24.{24300000 + index}"
        packages[f"Current_Content/January_2024/{uuid.uuid4()}.meca"] = _with_doi(real, article, doi)
        records.append(
            data.details_record_from_jats(article, version="1", date="2024-01-24", license_code="cc_by", published="NA")
            | {"doi": doi}
        )
    bucket = f"medrxiv-bench-{uuid.uuid4().hex[:6]}"
    s3_server.put_bucket(bucket, packages, requester_pays=True)
    for cursor in range(0, count, 30):
        server.route(
            f"/details/medrxiv/2024-01-01/2024-01-31/{cursor}/json",
            Reply(body=data.details_page(records[:wanted], cursor, page_size=30)),
        )
    settings = BiorxivSettings(biorxiv_api_url=server.url(""), medrxiv_s3_bucket=bucket, biorxiv_meca_months_after=0)
    connector = open_connector("medrxiv", settings, http=HTTP, s3=s3)
    papers = [p for page in connector.list_month("2024-01", today=dt.date(2024, 6, 1)) for p in page.papers]
    times = []
    for _ in range(rounds):
        seconds, outcomes = _timed(lambda: list(connector.fetch(papers)))
        assert sum(o.status == "fetched" for o in outcomes) == wanted
        times.append(seconds)
    fetched_bytes = sum(o.size for o in outcomes)
    connector.client.close()
    seconds = statistics.median(times)
    return {
        "packages_in_folder": count,
        "papers": wanted,
        "fetched_bytes": fetched_bytes,
        "median_s": round(seconds, 3),
        "papers_per_s": round(wanted / seconds, 1),
        "MB_per_s": round(fetched_bytes / MB / seconds, 1),
    }


def _with_doi(meca: bytes, article: bytes, doi: str) -> bytes:
    """The real MECA with its article's DOI replaced (members copied compressed, not recompressed)."""
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(meca))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            if info.filename.endswith(".xml") and info.filename.startswith("content/"):
                target.writestr(info, article.replace(b"10.1101/2024.01.24.24301711", doi.encode()))
            else:
                with source.open(info) as member:
                    target.writestr(info, member.read())
    return buffer.getvalue()


# ---- the ingest stages ---------------------------------------------------------------------------------------


def ingest(http_server, s3_server, s3, arguments) -> dict:
    """What the wiring adds to the connectors: per source, the same month listed and fetched by the bare connector
    (list_month + fetch, bundles dropped) and by the pipeline's stages (paper_listing + raw_papers: rows and
    checkpoints in the lake, bundles as blobs, kinds detected, `fetches` and `papers` written), then the stages
    run again on the same lake (nothing new: no download). Distinct bundles, so content addressing saves nothing."""
    from s1mm_assets.lib.lake import Lake

    count = arguments.ingest_papers
    worlds = {
        "arxiv": _arxiv_world(http_server, s3_server, s3, count),
        "medrxiv": _medrxiv_world(http_server, s3_server, s3, max(1, count // 5)),
        "chemrxiv": _chemrxiv_world(http_server, count),
        "nature_communications": _natcomm_world(http_server, s3_server, s3, max(1, count // 2)),
    }
    results = {}
    for name, (open_world, papers) in worlds.items():
        bare, staged, again = [], [], []
        for _ in range(arguments.rounds):
            connector = open_world()
            seconds, fetched_bytes = _timed(lambda c=connector: _list_and_fetch(c))
            bare.append(seconds)
            with tempfile.TemporaryDirectory() as folder:
                lake = Lake(folder)
                seconds, report = _timed(lambda c=connector, lake=lake: _stages(lake, c))
                assert report.rows == papers and report.metrics["fetched"] == papers, (name, report.metrics)
                staged.append(seconds)
                seconds, report = _timed(lambda c=connector, lake=lake: _stages(lake, c))
                assert report.metrics["unchanged"] == papers and report.metrics["bytes_downloaded"] == 0
                again.append(seconds)
            connector.close()
        results[name] = {
            "papers": papers,
            "bytes": fetched_bytes,
            "connector_median_s": round(statistics.median(bare), 3),
            "stages_median_s": round(statistics.median(staged), 3),
            "stages_papers_per_s": round(papers / statistics.median(staged), 1),
            "stages_MB_per_s": round(fetched_bytes / MB / statistics.median(staged), 1),
            "stages_over_connector": round(statistics.median(staged) / statistics.median(bare), 2),
            "rerun_median_s": round(statistics.median(again), 3),
        }
    return results


def _list_and_fetch(connector) -> int:
    """The bare connector: the month listed, every paper fetched, the bundles dropped; the bytes received."""
    listed = [paper for page in connector.list_month("2024-01", today=dt.date(2024, 6, 1)) for paper in page.papers]
    return sum(outcome.size for outcome in connector.fetch(listed))


def _stages(lake, connector):
    """paper_listing then raw_papers, as the assets call them (policy `any`: no paper left out)."""
    from s1mm_assets.lib.stages.paper_listing import list_papers
    from s1mm_assets.lib.stages.raw_papers import fetch_papers

    source = connector.source
    list_papers(lake, connector, source, "2024-01", backend="live", policy="any", today=dt.date(2024, 6, 1))
    return fetch_papers(lake, connector, source, "2024-01", policy="any", skip_excluded_licenses=True)


def _distinct(content: bytes, index: int, suffix: bytes) -> bytes:
    return content + suffix % index


def _arxiv_world(server, s3_server, s3, count):
    from s1mm_assets.lib.sources.sample.archives import tar_gz

    base = data.unpack_tar_gz(data.sample_bundle("arxiv", 0).content)
    members = {
        f"2401/2401.{index:05d}.gz": tar_gz(base | {"bench.txt": str(index).encode()}, dt.datetime(2024, 1, 1))
        for index in range(1, count + 1)
    }
    tar = data.bulk_tar(members)
    entry = data.manifest_entry(
        "src/arXiv_src_2401_001.tar", tar, "2401.00001", f"2401.{count:05d}", count, "2024-02-05 04:34:46"
    )
    bucket = f"arxiv-ingest-{uuid.uuid4().hex[:6]}"
    objects = {"src/arXiv_src_manifest.xml": data.bulk_manifest([entry]), "src/arXiv_src_2401_001.tar": tar}
    s3_server.put_bucket(bucket, objects, requester_pays=True)
    cc_by = data.real_arxiv_metadata()[3]
    records = [
        (data.ArxivRecord(f"2401.{index:05d}", "2024-01-20", (data.ArxivVersion(1, dt.datetime(2024, 1, 20)),)), cc_by)
        for index in range(1, count + 1)
    ]
    oai = data.OaiService(records, page_size=1300)
    rendered: dict[str, bytes] = {}
    server.route("/ingest/oai", lambda r: Reply(body=rendered.setdefault(r.raw_query, oai.answer(r.query))))
    settings = ArxivSettings(arxiv_oai_url=server.url("/ingest/oai"), arxiv_s3_bucket=bucket)
    return (lambda: open_connector("arxiv", settings, http=HTTP, s3=s3)), count


def _medrxiv_world(server, s3_server, s3, count):
    real = data.real_meca()
    article = data.meca_article(real)
    packages, records = {}, []
    for index in range(count):
        doi = f"10.1101/2024.01.25.{24400000 + index}"
        packages[f"Current_Content/January_2024/{uuid.uuid4()}.meca"] = _with_doi(real, article, doi)
        records.append(
            data.details_record_from_jats(article, version="1", date="2024-01-25", license_code="cc_by", published="NA")
            | {"doi": doi}
        )
    bucket = f"medrxiv-ingest-{uuid.uuid4().hex[:6]}"
    s3_server.put_bucket(bucket, packages, requester_pays=True)
    for cursor in range(0, count, 30):
        server.route(
            f"/ingest/details/medrxiv/2024-01-01/2024-01-31/{cursor}/json",
            Reply(body=data.details_page(records, cursor, page_size=30)),
        )
    settings = BiorxivSettings(
        biorxiv_api_url=server.url("/ingest"), medrxiv_s3_bucket=bucket, biorxiv_meca_months_after=0
    )
    return (lambda: open_connector("medrxiv", settings, http=HTTP, s3=s3)), count


def _chemrxiv_world(server, count):
    pdf = data.sample_bundle("chemrxiv", 0).content
    items = []
    for index in range(count):
        server.route(f"/ingest/pdf/{index}.pdf", Reply(body=_distinct(pdf, index, b"\n%% bench %d\n"), ranges=True))
        items.append(
            data.crossref_item(
                f"10.26434/chemrxiv-2024-b{index:04d}",
                "A title",
                ("Ada Lovelace",),
                dt.date(2024, 1, 15),
                "https://creativecommons.org/licenses/by/4.0/",
                server.url(f"/ingest/pdf/{index}.pdf"),
            )
        )
    pages = {"*": data.crossref_page(items, "end", count), "end": data.crossref_page([], "end", count)}
    server.route("/ingest/works", lambda request: Reply(body=pages[request.query["cursor"]]))
    settings = ChemrxivSettings(chemrxiv_crossref_url=server.url("/ingest"))
    return (lambda: open_connector("chemrxiv", settings, http=HTTP)), count


def _natcomm_world(server, s3_server, s3, count):
    files = data.unpack_tar_gz(data.sample_bundle("nature_communications", 0).content)
    envelope, core, _ = data.europepmc_records()
    bucket = f"pmc-ingest-{uuid.uuid4().hex[:6]}"
    objects, records = {}, []
    for index in range(count):
        pmcid = f"PMC{4000000 + index}"
        folder = f"{pmcid}.1"
        own = {
            name: _distinct(content, index, b"<!-- %d -->") if name.endswith(".nxml") else content
            for name, content in files.items()
        }
        objects |= {f"{folder}/{name}": content for name, content in own.items()}
        objects[f"metadata/{folder}.json"] = data.pmc_metadata(bucket, folder, own)
        record = data.as_nat_commun(core[0], doi=f"10.1038/s41467-024-{index:05d}-2", pmcid=pmcid, date="2024-01-15")
        records.append(record | {"license": "cc by"})
    s3_server.put_bucket(bucket, objects, public=True)
    pages = {"*": data.europepmc_page(envelope, records, "*", "m1")}
    pages["m1"] = data.europepmc_page(envelope, [], "m1", "m1")
    server.route("/ingest/search", lambda request: Reply(body=pages[request.query["cursorMark"]]))
    settings = NatureCommunicationsSettings(natcomm_europepmc_url=server.url("/ingest"), natcomm_pmc_bucket=bucket)
    return (lambda: open_connector("nature_communications", settings, http=HTTP, s3=s3)), count


# ---- the real month ------------------------------------------------------------------------------------------


# Month sizes assumed, with where each comes from. The arXiv figures are read from the real bulk manifest.
ASSUMED = {
    "arxiv": "items and bytes of 2023-11 in the real arXiv_src_manifest.xml (fixtures); OAI page of 1300 records "
    "(2026 observations, NOTE.md); records changed per month taken as 1.5x the month's new items (new papers plus "
    "revisions and metadata updates: an assumption)",
    "biorxiv": "5,000 versions a month (order of magnitude of bioRxiv's published monthly counts, "
    "api.biorxiv.org/sum; not checked offline); 30 records a call as observed (NOTE.md)",
    "medrxiv": "1,500 versions a month (same caveat); 30 records a call",
    "chemrxiv": "1,200 versions a month (assumption: ChemRxiv posts on the order of 1,000 a month); Crossref 1000 "
    "a page; one PDF per version from chemrxiv.org at 1 request/s",
    "nature_communications": "900 articles a month (about 10,000 a year); Europe PMC 1000 a page; files from the "
    "open PMC bucket, not rate limited",
}


def politeness_bound() -> dict:
    limits = HttpSettings().rate_limits()
    manifest = data.fixture_path("arxiv/bulk/arXiv_src_manifest.xml.gz").read_bytes()
    from lxml import etree

    root = etree.fromstring(gzip.decompress(manifest))
    entries = [entry for entry in root.iterfind("file") if entry.findtext("yymm") == "2311"]
    items = sum(int(entry.findtext("num_items")) for entry in entries)
    size = sum(int(entry.findtext("size")) for entry in entries)
    changed = int(items * 1.5)
    arxiv_pages = -(-changed // 1300)
    months_later = 36  # harvesting 2023-11 in 2026-11: every record changed since the month began is paged
    bound = {
        "arxiv": {
            "month": "2023-11",
            "new_items": items,
            "bulk_tars": len(entries),
            "bulk_bytes": size,
            "listing_right_after_month_s": arxiv_pages * limits["oaipmh.arxiv.org"],
            "listing_36_months_later_s": arxiv_pages * months_later * limits["oaipmh.arxiv.org"],
            "fetch": "bulk tars from S3: no request limit; bandwidth-bound (GB above)",
        },
        "biorxiv": {"listing_s": -(-5000 // 30) * limits["api.biorxiv.org"], "fetch": "S3 (MECA), no request limit"},
        "medrxiv": {"listing_s": -(-1500 // 30) * limits["api.biorxiv.org"], "fetch": "S3 (MECA), no request limit"},
        "chemrxiv": {
            "listing_s": -(-1200 // 1000) * limits["api.crossref.org"],
            "fetch_s": 1200 * limits["chemrxiv.org"],
        },
        "nature_communications": {
            "listing_s": 2 * limits["www.ebi.ac.uk"],
            "fetch": "open S3 bucket, no request limit",
        },
        "assumptions": ASSUMED,
    }
    return bound


if __name__ == "__main__":
    main()
