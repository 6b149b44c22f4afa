"""Disciplines from each source's category scheme."""

from __future__ import annotations

import pytest

from s1mm_assets.lib.disciplines import DISCIPLINES, discipline_for
from s1mm_assets.lib.sources.sample.topics import all_topics


@pytest.mark.parametrize(
    ("category", "discipline"),
    [
        ("cs.CV", "Computer Science"),
        ("cs.CL", "Computer Science"),
        ("astro-ph.GA", "Astronomy"),
        ("astro-ph", "Astronomy"),
        ("hep-ph", "Physics"),
        ("hep-th", "Physics"),
        ("gr-qc", "Physics"),
        ("quant-ph", "Physics"),
        ("physics.optics", "Physics"),
        ("cond-mat.str-el", "Physics"),
        ("cond-mat.mtrl-sci", "Materials Science"),
        ("physics.chem-ph", "Chemistry"),
        ("physics.ao-ph", "Earth Sciences"),
        ("math.PR", "Mathematics"),
        ("math-ph", "Physics"),
        ("math.ST", "Statistics"),
        ("stat.ML", "Statistics"),
        ("eess.IV", "Electrical Engineering"),
        ("q-bio.NC", "Quantitative Biology"),
        ("q-fin.ST", "Quantitative Finance"),
        ("econ.EM", "Economics"),
        ("chao-dyn", "Physics"),
        ("cmp-lg", "Computer Science"),
    ],
)
def test_arxiv_categories(category, discipline):
    assert discipline_for("arxiv", [category]) == discipline


@pytest.mark.parametrize(
    ("source", "category", "discipline"),
    [
        ("biorxiv", "Neuroscience", "Biology"),
        ("biorxiv", "Cancer Biology", "Biology"),
        ("biorxiv", "Epidemiology", "Medicine"),
        ("biorxiv", "Bioengineering", "Engineering"),
        ("medrxiv", "Epidemiology", "Medicine"),
        ("medrxiv", "Infectious Diseases (except HIV/AIDS)", "Medicine"),
        ("medrxiv", "Psychiatry and Clinical Psychology", "Medicine"),
        ("chemrxiv", "Physical Chemistry", "Chemistry"),
        ("chemrxiv", "Catalysis", "Chemistry"),
        ("chemrxiv", "Theoretical and Computational Chemistry", "Chemistry"),
        ("chemrxiv", "Materials Science", "Materials Science"),
        ("chemrxiv", "Chemical Engineering and Industrial Chemistry", "Engineering"),
        ("nature_communications", "Condensed-matter physics", "Physics"),
        ("nature_communications", "Condensed matter physics", "Physics"),
        ("nature_communications", "Astronomy and planetary science", "Astronomy"),
        ("nature_communications", "Climate sciences", "Earth Sciences"),
        ("nature_communications", "Cancer", "Medicine"),
        ("nature_communications", "Cell biology", "Biology"),
        ("nature_communications", "Materials science", "Materials Science"),
    ],
)
def test_subject_schemes(source, category, discipline):
    assert discipline_for(source, [category]) == discipline


def test_first_placeable_category_decides():
    assert discipline_for("arxiv", ["stat.ML", "cs.LG"]) == "Statistics"
    assert discipline_for("arxiv", ["cs.LG", "stat.ML"]) == "Computer Science"
    assert discipline_for("nature_communications", ["Qubits", "Quantum physics"]) == "Physics"


@pytest.mark.parametrize(
    ("source", "discipline"),
    [
        ("biorxiv", "Biology"),
        ("medrxiv", "Medicine"),
        ("chemrxiv", "Chemistry"),
        ("arxiv", "Other"),
        ("nature_communications", "Other"),
        ("local", "Other"),
    ],
)
def test_unknown_or_missing_categories_fall_back_per_source(source, discipline):
    assert discipline_for(source, []) == discipline
    assert discipline_for(source, ["Scientific Mysteries", ""]) == discipline


def test_every_sample_topic_maps_into_the_vocabulary():
    for topic in all_topics():
        for source, options in topic.categories.items():
            for categories in options:
                assert discipline_for(source, categories) in DISCIPLINES
                assert discipline_for(source, categories) != "Other"
