"""Identifiers, dates, licences and links of a generated paper, in each source's real formats.

arXiv ids carry the month (`2403.01234`), bioRxiv/medRxiv DOIs the posting date, Nature Communications
articles a PMC id and an `s41467` DOI. Ids within a partition are distinct by construction (the paper's index
is part of the number) so a partition never holds two papers with the same id.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt

import numpy as np

ARXIV_LICENSES = ("http://arxiv.org/licenses/nonexclusive-distrib/1.0/", "http://creativecommons.org/licenses/by/4.0/")
PREPRINT_LICENSES = ("CC-BY 4.0", "CC-BY-NC-ND 4.0", "CC0", "none")
CHEMRXIV_LICENSES = ("CC BY 4.0", "CC BY-NC 4.0")
NATURE_LICENSE = "CC BY 4.0"
CC_BY_ARXIV, CC_BY_PREPRINT = ARXIV_LICENSES[1], PREPRINT_LICENSES[0]

_CHEMRXIV_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


@dataclasses.dataclass(frozen=True)
class Identity:
    paper_id: str
    doi: str
    url: str
    published: dt.date
    license: str
    filename: str
    pmc_id: str = ""  # Nature Communications: "PMC1234567"
    article_number: str = ""  # Nature Communications: the 5 digits of s41467-024-NNNNN-x


def identity_for(source: str, month: str, index: int, rng: np.random.Generator) -> Identity:
    year, month_number = (int(part) for part in month.split("-"))
    published = dt.date(year, month_number, int(rng.integers(1, calendar.monthrange(year, month_number)[1] + 1)))
    # Spaced by the index, jittered by the paper's own generator: unique in the partition, not a plain count.
    serial = 100 + index * 37 + int(rng.integers(0, 37))
    if source == "arxiv":
        arxiv_id = f"{year % 100:02d}{month_number:02d}.{serial:05d}"
        license_ = ARXIV_LICENSES[0] if rng.random() < 0.65 else ARXIV_LICENSES[1]
        return Identity(
            f"arxiv:{arxiv_id}",
            f"10.48550/arXiv.{arxiv_id}",
            f"https://arxiv.org/abs/{arxiv_id}",
            published,
            license_,
            f"{arxiv_id}.tar.gz",
        )
    if source in ("biorxiv", "medrxiv"):
        date_part = published.strftime("%Y.%m.%d")
        number = f"{500000 + serial:06d}" if source == "biorxiv" else f"{year % 100:02d}{month_number:02d}{serial:04d}"
        doi = f"10.1101/{date_part}.{number}"
        license_ = PREPRINT_LICENSES[int(rng.choice(4, p=[0.4, 0.35, 0.1, 0.15]))]
        return Identity(
            f"{source}:{doi}",
            doi,
            f"https://www.{source}.org/content/{doi}v1",
            published,
            license_,
            f"{date_part}.{number}v1.zip",
        )
    if source == "chemrxiv":
        code = "".join(_CHEMRXIV_ALPHABET[int(i)] for i in rng.integers(0, 36, 2)) + _base36(serial).rjust(3, "0")
        doi = f"10.26434/chemrxiv-{year}-{code}"
        license_ = CHEMRXIV_LICENSES[0] if rng.random() < 0.7 else CHEMRXIV_LICENSES[1]
        return Identity(
            f"chemrxiv:{doi}", doi, f"https://doi.org/{doi}", published, license_, f"chemrxiv-{year}-{code}.pdf"
        )
    if source == "nature_communications":
        pmc_id = f"PMC{1000000 + index * 7919 + int(rng.integers(0, 7919)):07d}"
        article_number = f"{10000 + serial:05d}"
        doi = f"10.1038/s41467-{year % 1000:03d}-{article_number}-{int(rng.integers(0, 10))}"
        return Identity(
            f"nature_communications:{pmc_id}",
            doi,
            f"https://www.nature.com/articles/{doi.split('/')[1]}",
            published,
            NATURE_LICENSE,
            f"{pmc_id}.tar.gz",
            pmc_id,
            article_number,
        )
    raise ValueError(f"unknown source {source!r}")


def _base36(value: int) -> str:
    digits = ""
    while value:
        value, remainder = divmod(value, 36)
        digits = _CHEMRXIV_ALPHABET[remainder] + digits
    return digits or "0"
