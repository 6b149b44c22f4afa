"""The same work named by different sources reduces to the same keys."""

import pytest

from s1mm_assets.lib.identifiers import normalise, work_keys


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("10.1038/S41467-024-12345-6", "doi:10.1038/s41467-024-12345-6"),
        ("https://doi.org/10.1038/s41467-024-12345-6", "doi:10.1038/s41467-024-12345-6"),
        ("doi:10.1038/s41467-024-12345-6.", "doi:10.1038/s41467-024-12345-6"),
        ("10.48550/arXiv.2401.01234", "arxiv:2401.01234"),
        ("arXiv:2401.01234v3", "arxiv:2401.01234"),
        ("https://arxiv.org/abs/2401.01234v2", "arxiv:2401.01234"),
        ("hep-th/9901001v1", "arxiv:hep-th/9901001"),
        ("PMC1234567", "pmcid:PMC1234567"),
        ("pmcid:pmc1234567.2", "pmcid:PMC1234567"),
        ("pmid:38000001", "pmid:38000001"),
        ("10.1101/2024.01.02.573522v2", "doi:10.1101/2024.01.02.573522"),
        ("10.26434/chemrxiv-2024-abc12-v2", "doi:10.26434/chemrxiv-2024-abc12"),
        ("10.26434/chemrxiv.15006393/v1", "doi:10.26434/chemrxiv.15006393"),
    ],
)
def test_each_spelling_of_an_identifier_gives_one_key(written: str, key: str):
    assert normalise(written) == key


def test_what_is_no_identifier_gives_no_key():
    assert normalise("") is None and normalise("a-local-paper") is None and normalise("Nature Commun. 15, 1") is None


def test_a_preprint_and_its_journal_version_share_a_key_through_the_link_the_preprint_server_gives():
    preprint = work_keys("biorxiv:10.1101/2024.01.02.573522", "10.1101/2024.01.02.573522", ["10.1038/s41467-024-1"])
    article = work_keys("nature_communications:10.1038/s41467-024-1", "https://doi.org/10.1038/S41467-024-1")
    assert set(preprint) & set(article) == {"doi:10.1038/s41467-024-1"}
    assert work_keys("arxiv:2401.01234", "10.48550/arXiv.2401.01234") == ["arxiv:2401.01234"]
    assert work_keys("local:a-paper") == []
