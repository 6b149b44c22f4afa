from s1mm_assets.lib.extract import extract_bundle
from s1mm_assets_tests import bundles


def test_every_fig_with_caption_image_and_citing_paragraphs():
    extraction = extract_bundle("meca.zip", bundles.jats_bundle())
    assert extraction.extractor == "jats"
    figures = {figure.label: figure for figure in extraction.figures}
    assert set(figures) == {"F1", "F2"}
    first = figures["F1"]
    assert first.number == "1"
    assert first.caption == "Rates rise. (A) Mean firing rate. (B) Raster."
    assert first.image.format == "jpeg"  # resolved from the extension-less href
    assert len(first.citing_paragraphs) == 2
    # a paragraph citing two figures at once counts for both
    assert figures["F2"].citing_paragraphs == [first.citing_paragraphs[1]]


def test_missing_graphic_is_a_problem_with_reason():
    extraction = extract_bundle("meca.zip", bundles.jats_bundle())
    assert [(problem.figure_key, problem.reason) for problem in extraction.problems] == [("F3", "missing_file")]


def test_front_matter():
    extraction = extract_bundle("meca.zip", bundles.jats_bundle())
    assert extraction.title == "Neurons that count"
    assert extraction.abstract == "We show that neurons count."
    assert extraction.doi == "10.1101/2024.01.02.123456"
    assert extraction.license == "http://creativecommons.org/licenses/by/4.0/"
