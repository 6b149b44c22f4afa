"""Every extractor against the sample generator's exact ground truth, in each source's real format."""

import pytest

from s1mm_assets.lib.context import citing_sentences
from s1mm_assets.lib.extract import extract_bundle
from s1mm_assets.lib.sources.sample import SampleSource

MONTH = "2024-03"


@pytest.fixture(scope="module")
def papers():
    return {
        source: SampleSource(papers_per_partition=6 if source in ("arxiv", "chemrxiv") else 3).generate(source, MONTH)
        for source in ("arxiv", "biorxiv", "nature_communications", "chemrxiv")
    }


@pytest.mark.parametrize("source", ["arxiv", "biorxiv", "nature_communications"])
def test_source_formats_give_every_figure_with_exact_caption_and_citing_sentences(papers, source):
    for paper in papers[source]:
        extraction = extract_bundle(paper.bundle.filename, paper.bundle.content)
        figures = {figure.label: figure for figure in extraction.figures}
        problems = {problem.figure_key: problem.reason for problem in extraction.problems}
        for expected in paper.figures:
            if not expected.extractable:
                wanted = {"tikz": "drawn_in_latex", "missing_file": "missing_file"}[expected.problem]
                assert problems[expected.label] == wanted
                continue
            figure = figures[expected.label]
            assert (figure.number, figure.caption) == (expected.number, expected.caption)
            assert tuple(sub.caption for sub in figure.subfigures) == expected.subcaptions
            assert set(expected.citing_sentences) <= set(citing_sentences(figure.citing_paragraphs, figure.number))


def test_pdf_figures_have_exact_captions_pages_and_citing_sentences(papers):
    found = expected_total = 0
    for paper in papers["chemrxiv"]:
        extraction = extract_bundle(paper.bundle.filename, paper.bundle.content)
        expected = {figure.number: figure for figure in paper.figures}
        expected_total += len(expected)
        for figure in extraction.figures:
            truth = expected[figure.number]
            assert (figure.caption, figure.page) == (truth.caption, truth.page)
            assert set(truth.citing_sentences) <= set(citing_sentences(figure.citing_paragraphs, figure.number))
            found += 1
    assert found == expected_total
