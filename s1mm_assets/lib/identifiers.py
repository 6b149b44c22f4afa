"""The identifiers of a work, normalised so that the same paper found in two sources can be recognised.

One work often appears several times: an arXiv preprint, a bioRxiv preprint of the same manuscript and later a
Nature Communications article. Sources name it differently (`10.1101/2024.01.02.573522`, `arXiv:2401.01234v2`,
`https://doi.org/10.1038/S41467-024-12345-6`, `PMC1234567`) and say how versions are linked (bioRxiv's
`published` DOI, arXiv's journal DOI, Crossref relations). `work_keys` reduces all of them to keys such as
`doi:10.1038/s41467-024-12345-6`, `arxiv:2401.01234`, `pmcid:PMC1234567`: two papers with a key in common are
the same work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_DOI = re.compile(r"10\.\d{4,9}/\S+", re.IGNORECASE)
# arXiv's own DOIs (10.48550/arXiv.2401.01234) name the preprint: the key is the arXiv id itself.
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(?P<id>.+)$", re.IGNORECASE)
_ARXIV_ID = re.compile(r"^(?:arxiv:)?(?P<id>\d{4}\.\d{4,5}|[a-z-]+(?:\.[a-z]{2})?/\d{7})(?:v\d+)?$", re.IGNORECASE)
_PMCID = re.compile(r"^(?:pmcid:)?(?P<id>pmc\d+)(?:\.\d+)?$", re.IGNORECASE)
_PMID = re.compile(r"^pmid:(?P<id>\d+)$", re.IGNORECASE)
# ChemRxiv versions: 10.26434/chemrxiv-2024-abc12-v2 and 10.26434/chemrxiv.15006393/v1 name one work per stem.
_CHEMRXIV_VERSION = re.compile(r"(?:-v\d+|/v\d+)$", re.IGNORECASE)


def normalise(identifier: str) -> str | None:
    """One identifier as a work key, or None when it is none of DOI, arXiv id, PMCID, PMID."""
    text = identifier.strip()
    if not text:
        return None
    text = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", text, flags=re.IGNORECASE)
    text = re.sub(r"^https?://arxiv\.org/(?:abs|pdf)/", "", text, flags=re.IGNORECASE)
    if match := _ARXIV_DOI.match(text):
        return _arxiv_key(match.group("id"))
    if match := _DOI.match(text):
        doi = match.group(0).rstrip(".").lower()
        if doi.startswith("10.26434/"):
            doi = _CHEMRXIV_VERSION.sub("", doi)
        if doi.startswith("10.1101/"):  # bioRxiv/medRxiv landing pages add the version: 10.1101/...573522v2
            doi = re.sub(r"v\d+$", "", doi)
        return f"doi:{doi}"
    if key := _arxiv_key(text):
        return key
    if match := _PMCID.match(text):
        return f"pmcid:{match.group('id').upper()}"
    if match := _PMID.match(text):
        return f"pmid:{match.group('id')}"
    return None


def work_keys(paper_id: str, doi: str | None = None, identifiers: Iterable[str] = ()) -> list[str]:
    """Every key of a paper: its own id (`arxiv:...`, a DOI or PMCID after the source prefix), its DOI and the
    identifiers its source links it to; sorted, without repeats."""
    _, _, own = paper_id.partition(":")
    keys = {normalise(candidate) for candidate in (own, doi or "", *identifiers)}
    return sorted(key for key in keys if key)


def _arxiv_key(text: str) -> str | None:
    match = _ARXIV_ID.match(text.strip())
    return f"arxiv:{match.group('id').lower()}" if match else None
