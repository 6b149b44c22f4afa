"""The extraction targets on real papers nobody on the team wrote (../shared/corpus; skipped when absent).

The numbers and the command that prints them in full are in BENCHMARKS.md ("Extraction").
"""

from pathlib import Path

import pytest

from s1mm_assets.lib.extract.evaluation import (
    PairCounts,
    evaluate_bundles,
    evaluate_jats,
    evaluate_latex_trees,
    evaluate_pdf_against_figure_pages,
    evaluate_pdf_against_jats,
)
from s1mm_assets_tests.conftest import CORPUS, corpus_folder

FIGURE_PAGES = Path(__file__).resolve().parents[2] / "bench" / "data" / "pdf_figure_pages.json"

pytestmark = pytest.mark.corpus

# Quarantine reasons for figures whose image is not in the source tree at all (TikZ drawings, placeholder
# boxes, images of the TeX distribution): the issue wants these quarantined, never rendered blank.
NO_IMAGE_IN_TREE = ("drawn_in_latex", "no_graphics", "missing_file")


def test_pdf_figure_caption_pairs_against_the_jats_beat_pdffigures2():
    results = evaluate_pdf_against_jats(corpus_folder("pdf-pmc-jats"))
    total = PairCounts()
    for result in results:
        total.add(result.counts)
    notes = [f"{result.paper}: {note}" for result in results for note in result.notes]
    assert total.precision >= 0.95, notes
    assert total.recall >= 0.90, notes
    assert total.caption_match >= 0.90, notes
    found = sum(result.citations_found for result in results)
    wanted = sum(result.citations_wanted for result in results)
    assert found >= 0.9 * wanted


def test_jats_finds_every_fig_with_its_image_and_citing_paragraphs():
    for result in evaluate_jats(corpus_folder("pdf-pmc-jats")):
        assert result.extracted + result.quarantined == result.figs, result
        assert result.with_image == result.extracted, result
        assert result.citing_found == result.citing_truth, result


def test_latex_trees_give_every_captioned_figure_or_a_quarantine_reason():
    corpus_folder("latex-scipy-1.0-paper")
    results = evaluate_latex_trees(CORPUS)
    assert [result.error for result in results if result.error] == []
    for result in results:
        assert result.extracted + result.quarantined == result.environments, result
        assert set(result.quarantine_reasons) <= set(NO_IMAGE_IN_TREE), result
    environments = sum(result.environments for result in results)
    without_image = sum(result.quarantined for result in results)
    extracted = sum(result.extracted for result in results)
    assert extracted >= 0.95 * (environments - without_image)
    assert sum(result.caption_clean for result in results) == extracted
    checked = sum(result.caption_checked for result in results)
    # The compiled PDFs beside the trees are not always of the same revision (SciPy's Figure 2 caption grew).
    assert sum(result.caption_right for result in results) >= 0.85 * checked


def test_every_odd_arxiv_bundle_processes_without_an_unhandled_exception():
    results = evaluate_bundles(corpus_folder("latex-arxiv-filemanager"))
    assert len(results) == 14
    assert [(result.bundle, result.error) for result in results if result.error] == []
    figures = {result.bundle: result.figures for result in results}
    assert figures["with_figures/sampleA_ps.tar.gz"] == 19  # every EPS/PS figure through Ghostscript
    assert figures["pdfpages_only/2211696.tar.gz"] > 0  # figures found inside the wrapped PDF


def test_development_sets_stay_at_issue_12_levels():
    """Regression guard, not evidence for issue 12's held-out targets: both halves of the development sets, the
    half the rules were tuned on included, must stay at the targets' levels (PMC articles of many publishers and
    the hand-annotated CS/biomedical PDFs; the JATS extractor on the former). The report half alone is scored in
    BENCHMARKS.md; the held-out papers are scored by whoever files the issues."""
    corpus_folder("pdf-science-parse")
    for results in (
        evaluate_pdf_against_jats(corpus_folder("pdf-jats-extra")),
        evaluate_pdf_against_figure_pages(CORPUS, FIGURE_PAGES),
    ):
        total = PairCounts()
        for result in results:
            total.add(result.counts)
        notes = [f"{result.paper}: {note}" for result in results for note in result.notes]
        assert total.precision >= 0.97, notes
        assert total.recall >= 0.95, notes
    jats = evaluate_jats(corpus_folder("pdf-jats-extra"))
    assert sum(result.with_image for result in jats) >= 0.97 * sum(result.figs for result in jats)
