"""OAI-PMH 2.0 pages as arXiv's 2025 service sends them: records, the resumption token, the error element.

Kept apart from the arXiv connector because the protocol's three end-of-list shapes and its errors are the
protocol's, not arXiv's: no `resumptionToken` element (a first page that holds everything), an empty
`<resumptionToken/>` (the last page of a resumed list) and an empty element with attributes
(`<resumptionToken completeListSize="154" cursor="1"/>`, other repositories).
"""

from __future__ import annotations

import dataclasses
from urllib.parse import quote

from lxml import etree

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
_NS = {"oai": OAI_NS}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


class NotOaiPmh(ValueError):
    """The body is not an OAI-PMH document (an HTML error page served with HTTP 200, a truncated body)."""


@dataclasses.dataclass(frozen=True)
class OaiRecord:
    identifier: str
    datestamp: str
    deleted: bool
    metadata: etree._Element | None  # the element inside <metadata>, None for deleted records


@dataclasses.dataclass(frozen=True)
class OaiPage:
    records: tuple[OaiRecord, ...]
    token: str | None  # None or "" both end the list
    error_code: str | None
    error_message: str

    @property
    def last_page(self) -> bool:
        return not self.token


def parse_page(body: bytes) -> OaiPage:
    """Parse one ListRecords response; NotOaiPmh when the body is something else."""
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as error:
        raise NotOaiPmh(f"not XML: {error}; body starts {body[:120]!r}") from error
    if root.tag != f"{{{OAI_NS}}}OAI-PMH":
        raise NotOaiPmh(f"root element {root.tag!r} is not OAI-PMH")
    error = root.find("oai:error", _NS)
    if error is not None:
        return OaiPage((), None, error.get("code", ""), " ".join((error.text or "").split()))
    records = []
    for record in root.iterfind("oai:ListRecords/oai:record", _NS):
        header = record.find("oai:header", _NS)
        if header is None:
            continue
        metadata = record.find("oai:metadata", _NS)
        payload = next(iter(metadata), None) if metadata is not None else None
        records.append(
            OaiRecord(
                identifier=(header.findtext("oai:identifier", "", _NS)).strip(),
                datestamp=(header.findtext("oai:datestamp", "", _NS)).strip(),
                deleted=header.get("status") == "deleted",
                metadata=payload,
            )
        )
    token_element = root.find("oai:ListRecords/oai:resumptionToken", _NS)
    token = (token_element.text or "").strip() if token_element is not None else None
    return OaiPage(tuple(records), token, None, "")


def resume_url(base_url: str, token: str) -> str:
    """The request that continues a list. arXiv's tokens are already percent-encoded: they go back verbatim
    (encoding them again would send `%253D`); characters a URL cannot hold are still escaped."""
    return f"{base_url}?verb=ListRecords&resumptionToken={quote(token, safe='%')}"
