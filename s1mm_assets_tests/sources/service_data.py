"""What the local servers serve, read or derived at test time from the real captures in ../shared/fixtures/sources.

Nothing from ../shared is copied into the repository; every function here reads it when a test runs and the
tests skip when it is absent. What is served, and how it was made:

arXiv
- OAI-PMH ListRecords pages: DERIVED. No real arXivRaw ListRecords page exists (NOTE.md 1a), so the
  envelope is the real 2026 page of the new service (`oai/arxivdb/oai_page.TRIMMED.xml`: its XML
  declaration, namespaces, responseDate and Jinja whitespace), and each record is rewritten from one of that
  page's real `arXiv`-format records into the arXivRaw layout of `oai/schema/arXivRaw.xsd` (title, authors,
  categories, licence, abstract, DOI, journal-ref copied; id, datestamp and versions set to the test month).
  Paging and tokens follow the service's source as NOTE.md quotes it: token `verb%3DListRecords%26...
  %26skip%3DN` with `expirationDate`, `<resumptionToken/>` on the last resumed page, no element when one page
  holds everything, `<error code='badResumptionToken'>`/`noRecordsMatch` with single quotes.
- arXiv_src_manifest.xml: DERIVED from the real manifest (`bulk/arXiv_src_manifest.trimmed.xml`): its
  declaration and `<file>` element layout, entries rewritten for the test tars (real md5/size of what is
  served), trailing `<timestamp>` kept last as in the real file.
- Bulk tars: BUILT from the sample generator's LaTeX bundles (members `YYMM/<id>.gz`, as in the real tars).
bioRxiv/medRxiv
- details JSON: DERIVED. No real capture exists (NOTE.md 2). Field names and the envelope follow the
  official help page (messages[0] with status, cursor, count, count_new_papers, total as strings; collection
  records with doi, title, authors, author_corresponding, author_corresponding_institution, date, version,
  type, license, category, jatsxml, abstract, published, server); 2 records a page where the help says 100.
  One record's values are read from the real medRxiv MECA's JATS, the others from sample MECA packages.
- MECA packages: the REAL medRxiv MECA zip (`meca/95901-v1-meca.zip`) plus sample-generator MECA zips.
ChemRxiv
- Crossref work-list JSON: DERIVED from Crossref's documented REST shape (no real capture exists, NOTE.md
  3): `status`, `message-type: work-list`, `message.items`, `next-cursor`, `total-results`; items with
  DOI, title, author, posted, license, link, relation, resource. PDFs are sample-generator PDFs.
Nature Communications
- Europe PMC search JSON: DERIVED from the REAL `europepmc/search_api_response.json` (envelope and three
  real core records, rewritten to ISSN 2041-1723, a January 2024 first publication date and test
  DOIs/PMCIDs) plus the three REAL Nat Commun records of `search_1000results_cancer.TRIMMED_natcommun_subset`
  (PubMed records not yet in PMC: no PMCID, isOpenAccess N), dates moved into the test month. The empty
  month is the REAL `search_no_results.json`.
- pmc-oa-opendata objects: one article is the REAL Europe PMC full text `PMC12311175_raw.xml` (a Springer
  Nature JATS); the others are the sample generator's Nature Communications packages unpacked into
  `PMC<n>.<v>/`. The `metadata/PMC<n>.<v>.json` files are DERIVED from the field list in NOTE.md 5 (no real
  one exists): pmcid, version, doi, is_retracted, license_code, xml_url/pdf_url/media_urls with `?md5=`.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import gzip
import hashlib
import io
import json
import re
import tarfile
from functools import cache
from pathlib import Path
from urllib.parse import quote

import pytest
from lxml import etree

from s1mm_assets.lib.sources.base import PaperBundle
from s1mm_assets.lib.sources.sample import SampleSource

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "sources"
MONTH = "2024-01"


def fixture_path(relative: str) -> Path:
    path = FIXTURES / relative
    if not path.exists():
        pytest.skip(
            f"service fixtures not found at {path} (they live beside the project in ../shared/fixtures/sources)"
        )
    return path


@cache
def sample_bundle(source: str, index: int) -> PaperBundle:
    """A generated paper of the test month (about a second each, so cached for the session)."""
    return SampleSource().generate_paper(source, MONTH, index).bundle


# ---- arXiv ---------------------------------------------------------------------------------------------------

_OAI = "http://www.openarchives.org/OAI/2.0/"
_ARXIV = "http://arxiv.org/OAI/arXiv/"
_RAW = "http://arxiv.org/OAI/arXivRaw/"


@dataclasses.dataclass(frozen=True)
class ArxivVersion:
    number: int
    date: dt.datetime
    source_type: str = "D"


@dataclasses.dataclass(frozen=True)
class ArxivRecord:
    arxiv_id: str
    datestamp: str
    versions: tuple[ArxivVersion, ...]


def real_arxiv_metadata() -> list[etree._Element]:
    """The real `arXiv`-format records of the 2026 page, deleted ones left out."""
    root = etree.parse(str(fixture_path("arxiv/oai/arxivdb/oai_page.TRIMMED.xml"))).getroot()
    return [element for element in root.iter(f"{{{_ARXIV}}}arXiv")]


def arxiv_raw_record(record: ArxivRecord, metadata: etree._Element) -> str:
    """One record in the arXivRaw layout, its bibliographic fields copied from a real `arXiv` record."""

    def text(name: str) -> str:
        return metadata.findtext(f"{{{_ARXIV}}}{name}") or ""

    authors = [
        " ".join(filter(None, (a.findtext(f"{{{_ARXIV}}}forenames"), a.findtext(f"{{{_ARXIV}}}keyname"))))
        for a in metadata.iter(f"{{{_ARXIV}}}author")
    ]
    raw = etree.Element(f"{{{_RAW}}}arXivRaw", nsmap={None: _RAW})
    etree.SubElement(raw, f"{{{_RAW}}}id").text = record.arxiv_id
    etree.SubElement(raw, f"{{{_RAW}}}submitter").text = authors[0] if authors else "Anonymous"
    for version in record.versions:
        element = etree.SubElement(raw, f"{{{_RAW}}}version", version=f"v{version.number}")
        etree.SubElement(element, f"{{{_RAW}}}date").text = version.date.strftime("%a, %d %b %Y %H:%M:%S GMT")
        etree.SubElement(element, f"{{{_RAW}}}size").text = "123kb"
        etree.SubElement(element, f"{{{_RAW}}}source_type").text = version.source_type
    etree.SubElement(raw, f"{{{_RAW}}}title").text = text("title")
    etree.SubElement(raw, f"{{{_RAW}}}authors").text = ", ".join(authors[:-1]) + (
        f" and {authors[-1]}" if len(authors) > 1 else authors[-1]
    )
    for name in ("categories", "comments", "journal-ref", "doi", "license", "abstract"):
        if text(name):
            etree.SubElement(raw, f"{{{_RAW}}}{name}").text = text(name)
    body = etree.tostring(raw, encoding="unicode")
    return (
        "<record>\n                <header>\n"
        f"        <identifier>oai:arXiv.org:{record.arxiv_id}</identifier>\n"
        f"        <datestamp>{record.datestamp}</datestamp>\n"
        "            <setSpec>cs:cs:IT</setSpec>\n    </header>\n\n"
        f"            <metadata>\n                        {body}\n            </metadata>\n        </record>\n"
    )


def oai_envelope(request_attributes: str, inner: str) -> bytes:
    """The real page's envelope around `inner` (records and token, or an error)."""
    real = fixture_path("arxiv/oai/arxivdb/oai_page.TRIMMED.xml").read_text(encoding="utf-8")
    head = real[: real.index("<request ")]
    request = f"<request {request_attributes}>http://oaipmh.arxiv.org/oai</request>\n\n\n"
    return (head + request + inner + "</OAI-PMH>\n").encode("utf-8")


class OaiService:
    """ListRecords over a list of records ordered by datestamp, paged as arXiv's 2025 service pages them."""

    def __init__(self, records: list[tuple[ArxivRecord, str]], page_size: int):
        self.records = sorted(records, key=lambda pair: (pair[0].datestamp, pair[0].arxiv_id))
        self.page_size = page_size
        self.expire_next_token = False

    def answer(self, query: dict[str, str]) -> bytes:
        token = query.get("resumptionToken")
        if token is not None:
            if self.expire_next_token:
                self.expire_next_token = False
                return self._error(
                    "badResumptionToken", "The value of the resumptionToken argument is invalid or expired."
                )
            params = dict(part.split("=", 1) for part in token.split("&"))
            start, since = int(params["skip"]), params["from"]
            attributes = f"verb='ListRecords' resumptionToken='{quote(token, safe='')}'"
        else:
            start, since = 0, query["from"]
            attributes = f'verb="ListRecords" metadataPrefix="{query["metadataPrefix"]}" from="{since}"'
        selected = [pair for pair in self.records if pair[0].datestamp >= since]
        if not selected:
            return self._error(
                "noRecordsMatch",
                "The combination of the values of the from, until, set and "
                "metadataPrefix arguments results in an empty list.",
            )
        page = selected[start : start + self.page_size]
        inner = "    <ListRecords>\n" + "".join(arxiv_raw_record(*pair) for pair in page)
        end = start + self.page_size
        if end < len(selected):
            next_token = f"verb%3DListRecords%26metadataPrefix%3DarXivRaw%26from%3D{since}%26skip%3D{end}"
            expires = "expirationDate='2024-03-02T00:00:00Z'"
            inner += f"\n                    <resumptionToken {expires}>{next_token}</resumptionToken>\n"
        elif token is not None:
            inner += "\n                    <resumptionToken/>\n"
        inner += "\n    </ListRecords>\n"
        return oai_envelope(attributes, inner)

    def _error(self, code: str, description: str) -> bytes:
        return oai_envelope('verb="ListRecords"', f"<error code='{code}'>{description}</error>\n")


def bulk_tar(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def bulk_manifest(entries: list[dict[str, str]]) -> bytes:
    """A manifest in the real file's layout, with the given entries."""
    real = fixture_path("arxiv/bulk/arXiv_src_manifest.trimmed.xml").read_bytes()
    root = etree.fromstring(real)
    template = root.find("file")
    for element in list(root):
        root.remove(element)
    for entry in entries:
        file_element = copy.deepcopy(template)
        for child in file_element:
            child.text = entry.get(child.tag, child.text)
        root.append(file_element)
    etree.SubElement(root, "timestamp").text = "Tue Mar  5 05:41:01 2024"
    return b"<?xml version='1.0' standalone='yes'?>\n" + etree.tostring(root)


def manifest_entry(key: str, content: bytes, first: str, last: str, count: int, packed: str) -> dict[str, str]:
    return {
        "content_md5sum": hashlib.md5(content).hexdigest(),
        "filename": key,
        "first_item": first,
        "last_item": last,
        "md5sum": hashlib.md5(content).hexdigest(),
        "num_items": str(count),
        "seq_num": key.rsplit("_", 1)[1].split(".")[0].lstrip("0"),
        "size": str(len(content)),
        "timestamp": packed,
        "yymm": key.split("_")[2],
    }


# ---- bioRxiv / medRxiv ---------------------------------------------------------------------------------------

_LICENSE_CODES = {"CC-BY 4.0": "cc_by", "CC-BY-NC-ND 4.0": "cc_by_nc_nd", "CC0": "cc0", "none": "cc_no"}


def real_meca() -> bytes:
    return fixture_path("biorxiv_medrxiv/meca/95901-v1-meca.zip").read_bytes()


def details_record_from_jats(jats: bytes, *, version: str, date: str, license_code: str, published: str) -> dict:
    """A details-API record whose values are read from a JATS article (real or generated)."""
    article = etree.fromstring(jats, etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False))
    meta = article.find(".//article-meta")
    names = [
        f"{name.findtext('surname')}, {name.findtext('given-names') or ''}".strip(", ")
        for name in meta.iterfind(".//contrib[@contrib-type='author']/name")
    ]
    abstract = meta.find("abstract")
    return {
        "doi": meta.findtext("article-id[@pub-id-type='doi']"),
        "title": "".join(meta.find(".//article-title").itertext()),
        "authors": "; ".join(names),
        "author_corresponding": names[0] if names else "",
        "author_corresponding_institution": "",
        "date": date,
        "version": version,
        "type": "PUBLISHAHEADOFPRINT",
        "license": license_code,
        "category": (meta.findtext(".//subject") or "").lower(),
        "jatsxml": "",
        "abstract": " ".join("".join(abstract.itertext()).split()) if abstract is not None else "",
        "published": published,
        "server": "medRxiv",
    }


def meca_article(meca: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(meca)) as package:
        name = next(n for n in package.namelist() if n.startswith("content/") and n.endswith(".xml"))
        return package.read(name)


def rewrite_meca_version(meca: bytes, version: str) -> bytes:
    """The same package as a later version: the manifest's article item id says `v<version>`."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(meca))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "manifest.xml":
                content = re.sub(
                    rb'(type="article" id=")([^"]*?)(v\d+)?(")', rb"\g<1>\g<2>v" + version.encode() + rb"\4", content
                )
                content = content.replace(b'id="article"', b'id="articlev' + version.encode() + b'"')
            target.writestr(info, content)
    return buffer.getvalue()


def details_page(records: list[dict], cursor: int, page_size: int) -> bytes:
    page = records[cursor : cursor + page_size]
    message = {
        "status": "ok",
        "interval": f"{MONTH}-01:{MONTH}-31",
        "cursor": str(cursor),
        "count": str(len(page)),
        "count_new_papers": str(sum(1 for r in page if r["version"] == "1")),
        "total": str(len(records)),
    }
    return json.dumps({"messages": [message], "collection": page}).encode()


def license_code(sample_license: str) -> str:
    return _LICENSE_CODES[sample_license]


# ---- ChemRxiv ------------------------------------------------------------------------------------------------


def crossref_item(
    doi: str,
    title: str,
    authors: tuple[str, ...],
    posted: dt.date,
    license_url: str,
    pdf_url: str,
    relation: dict | None = None,
) -> dict:
    item = {
        "DOI": doi,
        "type": "posted-content",
        "subtype": "preprint",
        "prefix": "10.26434",
        "publisher": "American Chemical Society (ACS)",
        "institution": [{"name": "ChemRxiv"}],
        "title": [title],
        "author": [
            {"given": name.split()[0], "family": " ".join(name.split()[1:]), "sequence": "first"} for name in authors
        ],
        "posted": {"date-parts": [[posted.year, posted.month, posted.day]]},
        "license": [{"URL": license_url, "content-version": "vor", "delay-in-days": 0}],
        "resource": {"primary": {"URL": f"https://chemrxiv.org/doi/{doi}"}},
        "relation": relation or {},
        "abstract": "<jats:p>An abstract with <jats:italic>markup</jats:italic>.</jats:p>",
    }
    if pdf_url:
        item["link"] = [
            {
                "URL": pdf_url,
                "content-type": "unspecified",
                "content-version": "vor",
                "intended-application": "similarity-checking",
            }
        ]
    return item


def crossref_page(items: list[dict], next_cursor: str, total: int) -> bytes:
    return json.dumps(
        {
            "status": "ok",
            "message-type": "work-list",
            "message-version": "1.0.0",
            "message": {
                "facets": {},
                "next-cursor": next_cursor,
                "total-results": total,
                "items": items,
                "items-per-page": len(items),
                "query": {"start-index": 0, "search-terms": None},
            },
        }
    ).encode()


# ---- Nature Communications -----------------------------------------------------------------------------------


def europepmc_records() -> tuple[dict, list[dict], list[dict]]:
    """(the real envelope, three real OA core records, three real Nat Commun records not yet in PMC)."""
    envelope = json.loads(fixture_path("natcomm/europepmc/search_api_response.json").read_text())
    core = envelope["resultList"]["result"][:3]
    subset = json.loads(
        fixture_path("natcomm/europepmc/search_1000results_cancer.TRIMMED_natcommun_subset.json").read_text()
    )
    pending = [record for record in subset["resultList"]["result"] if record.get("journalIssn") == "2041-1723"]
    return envelope, core, pending


def as_nat_commun(record: dict, *, doi: str, pmcid: str, date: str) -> dict:
    record = copy.deepcopy(record)
    record.update(doi=doi, firstPublicationDate=date)
    if pmcid:
        record.update(pmcid=pmcid, fullTextIdList={"fullTextId": [pmcid]})
    journal = record.get("journalInfo", {}).get("journal")
    if journal is not None:
        journal.update(
            title="Nature communications", essn="2041-1723", issn="2041-1723", medlineAbbreviation="Nat Commun"
        )
    return record


def europepmc_page(envelope: dict, records: list[dict], cursor: str, next_cursor: str) -> bytes:
    page = copy.deepcopy(envelope)
    page["hitCount"] = len(records)
    page["nextCursorMark"] = next_cursor
    page["request"]["cursorMark"] = cursor
    page["resultList"]["result"] = records
    page.pop("nextPageUrl", None)
    return json.dumps(page).encode()


def unpack_tar_gz(content: bytes) -> dict[str, bytes]:
    files = {}
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(content))) as archive:
        for member in archive:
            if member.isfile():
                files[Path(member.name).name] = archive.extractfile(member).read()
    return files


def pmc_metadata(bucket: str, folder: str, files: dict[str, bytes], *, retracted: bool = False) -> bytes:
    """metadata/PMC<n>.<v>.json as NOTE.md describes its fields (URLs `s3://...?md5=`)."""
    pmcid, version = folder.rsplit(".", 1)

    def url(name: str) -> str:
        return f"s3://{bucket}/{folder}/{name}?md5={hashlib.md5(files[name]).hexdigest()}"

    xml = next(name for name in files if name.endswith((".xml", ".nxml")))
    pdf = next((name for name in files if name.endswith(".pdf")), None)
    return json.dumps(
        {
            "pmcid": pmcid,
            "version": int(version),
            "is_pmc_openaccess": True,
            "is_retracted": retracted,
            "license_code": "CC BY",
            "xml_url": url(xml),
            "pdf_url": url(pdf) if pdf else None,
            "media_urls": [url(name) for name in files if name not in (xml, pdf)],
        }
    ).encode()
