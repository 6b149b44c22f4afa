"""Which papers' figures may be redistributed: licence identification and the release's licence policy.

Sources state licences in many spellings ("CC BY 4.0", "CC-BY 4.0", a creativecommons.org URL, arXiv's
non-exclusive distribution licence URL, bioRxiv's `cc_by_nc`, Europe PMC's `cc by`, free text in JATS).
`license_id` reduces them to SPDX-style ids; a policy says which ids a release may carry. The policy applied is
recorded with every row.

Policies:
- `cc-by-compatible` (default): CC0, public-domain marks and CC BY (any version): redistribution with attribution.
- `creative-commons`: any Creative Commons licence, including NC/ND/SA (for releases kept to research use).
- `any`: every paper, the licence still recorded per row (for private use, never for publication).
- a comma-separated list of ids, e.g. `CC-BY-4.0,CC-BY-SA-4.0`.
"""

from __future__ import annotations

import re

UNKNOWN = "unknown"
ARXIV_NONEXCLUSIVE = "arXiv-nonexclusive-1.0"

_CC_URL = re.compile(r"creativecommons\.org/licenses/(?P<terms>[a-z-]+)/(?P<version>\d\.\d)")
_CC_ZERO = re.compile(r"creativecommons\.org/publicdomain/zero|\bcc0\b|cc-zero|public domain dedication")
_PUBLIC_DOMAIN = re.compile(r"creativecommons\.org/publicdomain/mark|\bpublic domain\b")
_CC_TEXT = re.compile(r"\bcc[\s-]+(?P<terms>by(?:[\s-]+(?:nc|nd|sa))*)(?:[\s-]+(?P<version>\d\.\d))?")
_CC_RESTRICTION_WORDS = r"non-?commercial|no-?derivatives?|no-?derivs|share-?alike"
_CC_WORDS = re.compile(
    rf"creative commons attribution(?P<terms>(?:[\s-]+(?:{_CC_RESTRICTION_WORDS}))*)(?:[\s-]+(?P<version>\d\.\d))?"
)
_WORD_TO_TERM = {
    "noncommercial": "NC",
    "noderivatives": "ND",
    "noderivative": "ND",
    "noderivs": "ND",
    "sharealike": "SA",
}

POLICIES = ("cc-by-compatible", "creative-commons", "any")
_PUBLIC_DOMAIN_IDS = ("CC0-1.0", "PDM-1.0")
_RESTRICTIONS = {"NC", "ND", "SA"}


def license_id(stated: str | None) -> str:
    """An SPDX-style id for a licence as a source states it; `unknown` when it cannot be told."""
    # bioRxiv/medRxiv's API writes codes with underscores (`cc_by_nc_nd`, `cc_no`): read them as words
    text = " ".join((stated or "").lower().replace("_", " ").split())
    if not text or text in {"none", "n/a", "unknown"}:
        return UNKNOWN
    if "arxiv.org/licenses/nonexclusive-distrib" in text:
        return ARXIV_NONEXCLUSIVE
    if _CC_ZERO.search(text):
        return "CC0-1.0"
    if _PUBLIC_DOMAIN.search(text):
        return "PDM-1.0"
    if match := _CC_URL.search(text):
        return _cc_id(match.group("terms").split("-"), match.group("version"))
    if match := _CC_TEXT.search(text):
        return _cc_id(re.split(r"[\s-]+", match.group("terms")), match.group("version"))
    if match := _CC_WORDS.search(text):
        words = [word.replace("-", "") for word in re.findall(_CC_RESTRICTION_WORDS, match.group("terms"))]
        return _cc_id(["by", *(_WORD_TO_TERM.get(word, word) for word in words)], match.group("version"))
    return UNKNOWN


def _cc_id(terms: list[str], version: str | None) -> str:
    return "-".join(["CC", *(term.upper() for term in terms if term)] + ([version] if version else []))


def allowed(license_: str, policy: str) -> bool:
    """Whether a paper under this licence id may be released under the policy."""
    if policy == "any" or (policy in POLICIES and license_ in _PUBLIC_DOMAIN_IDS):
        return True
    if policy == "cc-by-compatible":
        return license_.startswith("CC-BY") and not _RESTRICTIONS & set(license_.split("-"))
    if policy == "creative-commons":
        return license_.startswith("CC-")
    return license_ in _policy_ids(policy)


def check_policy(policy: str) -> str:
    """The policy as given; a clear error for a misspelt name or an id `license_id` would never produce."""
    if policy not in POLICIES:
        unknown = [item for item in _policy_ids(policy) if license_id(item) != item]
        if unknown or not _policy_ids(policy):
            raise ValueError(
                f"unknown licence policy {policy!r}: use one of {', '.join(POLICIES)} or a comma-separated list "
                f"of licence ids such as CC-BY-4.0,CC0-1.0"
            )
    return policy


def _policy_ids(policy: str) -> set[str]:
    return {item.strip() for item in policy.split(",") if item.strip()}
