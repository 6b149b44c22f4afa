import pytest

from s1mm_assets.lib.score.grounding import ground, numbers, sources_of, technical_terms

RAW = "Two-qubit gate error against T_1 for 57 qubit pairs (r = −0.45; slope 0.593, R^2 = 0.20)."
CITING = ("Figure 2 shows that CRISPR knock-down of GFP lowers the error to 1.2×10⁻³ at 20 mK.",)
TITLE = "Coherence-limited gates in superconducting processors"


def _ground(caption: str):
    return ground(caption, sources_of(RAW, CITING, TITLE, "We study 57 qubit pairs."))


def test_a_caption_that_only_restates_its_sources_is_fully_grounded():
    checked = _ground(
        "Gate error falls with T_1 across 57 qubit pairs (r = -0.45, slope 0.59, R^2 = 0.2); CRISPR knock-down "
        "of GFP brings it to 0.0012 at 20 mK, as Fig. 2 and Figure 2b show."
    )
    assert checked.ungrounded == () and checked.invented_numbers == ()
    assert checked.score == 1.0 and checked.checked >= 8


def test_invented_numbers_units_and_terms_are_named_and_lower_the_score():
    checked = _ground("Gate error drops 35% to 0.0012 at 20 μK in a TALEN screen of GFP.")
    assert set(checked.invented_numbers) == {"35"}
    assert set(checked.ungrounded) == {"35", "%", "μK", "TALEN"}
    assert "GFP" not in checked.ungrounded and "0.0012" not in checked.ungrounded
    assert 0 < checked.score < 1


def test_nothing_checkable_means_no_score_rather_than_a_perfect_one():
    checked = _ground("A schematic of the set-up.")
    assert checked.score is None and checked.checked == 0


@pytest.mark.parametrize(
    ("written", "same_as"),
    [("10⁻³", "0.001"), ("1e-3", "0.001"), ("1 × 10^{-3}", "0.001"), ("1,500", "1500"), ("2.50", "2.5")],
)
def test_numbers_compare_by_value_whatever_the_notation(written, same_as):
    assert list(numbers(written).values()) == list(numbers(same_as).values())


def test_references_versions_and_subscripts_are_not_numbers():
    assert numbers("Figure 3, Fig. 4b, Eq. 2, Table S1, v1.2.3, T_1 and R^2") == {}


def test_technical_terms_are_acronyms_mixed_case_and_alphanumeric_names():
    assert technical_terms("The mRNA of GFP in Ti3C2 and ResNet models at pH 7, as The Results show") == [
        "mRNA",
        "GFP",
        "Ti3C2",
        "ResNet",
        "pH",
    ]
