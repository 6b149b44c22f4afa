import pytest

from s1mm_assets.lib.licenses import POLICIES, allowed, check_policy, license_id
from s1mm_assets.lib.sources.sample.identity import (
    ARXIV_LICENSES,
    CHEMRXIV_LICENSES,
    NATURE_LICENSE,
    PREPRINT_LICENSES,
)


@pytest.mark.parametrize(
    ("stated", "expected"),
    [
        ("http://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0"),
        ("CC BY 4.0", "CC-BY-4.0"),
        ("CC-BY 4.0", "CC-BY-4.0"),
        ("CC BY-NC 4.0", "CC-BY-NC-4.0"),
        ("https://creativecommons.org/licenses/by-nc-nd/4.0/", "CC-BY-NC-ND-4.0"),
        ("Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International", "CC-BY-NC-ND-4.0"),
        (
            "Open Access This article is licensed under a Creative Commons Attribution 4.0 International License",
            "CC-BY-4.0",
        ),
        ("CC0", "CC0-1.0"),
        ("http://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
        ("http://arxiv.org/licenses/nonexclusive-distrib/1.0/", "arXiv-nonexclusive-1.0"),
        ("cc_by", "CC-BY"),  # bioRxiv/medRxiv's details API
        ("cc_by_nc_nd", "CC-BY-NC-ND"),
        ("cc_no", "unknown"),  # bioRxiv's "no reuse licence"
        ("cc by-nc", "CC-BY-NC"),  # Europe PMC
        ("none", "unknown"),
        (None, "unknown"),
        ("All rights reserved", "unknown"),
    ],
)
def test_licences_are_identified_whatever_the_spelling(stated, expected):
    assert license_id(stated) == expected


def test_the_default_policy_releases_only_what_may_be_redistributed_with_attribution():
    spelled = [*ARXIV_LICENSES, *PREPRINT_LICENSES, *CHEMRXIV_LICENSES, NATURE_LICENSE]
    released = sorted({license_id(text) for text in spelled if allowed(license_id(text), "cc-by-compatible")})
    assert released == ["CC-BY-4.0", "CC0-1.0"]


@pytest.mark.parametrize(
    ("license_", "verdicts"),
    [
        ("CC-BY-4.0", [True, True, True]),
        ("CC-BY-SA-4.0", [False, True, True]),
        ("CC-BY-NC-ND-4.0", [False, True, True]),
        ("PDM-1.0", [True, True, True]),
        ("arXiv-nonexclusive-1.0", [False, False, True]),
        ("unknown", [False, False, True]),
    ],
)
def test_each_named_policy(license_, verdicts):
    assert [allowed(license_, policy) for policy in POLICIES] == verdicts


def test_a_policy_can_list_licence_ids_and_a_misspelt_one_is_refused():
    assert allowed("CC-BY-SA-4.0", check_policy("CC-BY-4.0,CC-BY-SA-4.0"))
    assert not allowed("CC-BY-NC-4.0", "CC-BY-4.0,CC-BY-SA-4.0")
    with pytest.raises(ValueError, match="unknown licence policy"):
        check_policy("cc-by-compatable")
