import pytest

from s1mm_assets.lib.extract import extract_bundle
from s1mm_assets.lib.extract.bundle import BundleFiles
from s1mm_assets.lib.extract.pdf import extract_pdf
from s1mm_assets_tests import bundles
from s1mm_assets_tests.conftest import corpus_folder


def test_raster_and_vector_figures_with_captions_pages_and_boxes():
    extraction = extract_bundle("paper.pdf", bundles.pdf_paper_bytes())
    assert extraction.extractor == "pdf"
    first, second = extraction.figures
    assert (first.number, first.page, first.caption) == ("1", 1, "Turnover frequency of the catalyst over 100 hours.")
    assert (second.number, second.page, second.caption) == ("2", 2, "Pressure dependence of the yield.")
    x0, y0, x1, y1 = first.bbox
    assert x0 == pytest.approx(148, abs=4) and y0 == pytest.approx(188, abs=4) and y1 <= 410
    # the vector figure's region takes in its axis label, which sits outside the drawing
    assert second.bbox[3] >= 315
    assert first.image.width > 300  # rendered at 150 dpi


def test_body_mentions_become_citing_paragraphs():
    first, second = extract_bundle("paper.pdf", bundles.pdf_paper_bytes()).figures
    assert first.citing_paragraphs and "active for 100 hours (Figure 1)" in first.citing_paragraphs[0]
    assert second.citing_paragraphs == first.citing_paragraphs


def test_document_without_text_layer_is_reported():
    import pymupdf

    document = pymupdf.open()
    document.new_page().insert_image(pymupdf.Rect(50, 50, 500, 700), stream=bundles.png_bytes(400, 600))
    extraction = extract_pdf(BundleFiles({"scan.pdf": document.tobytes()}))
    assert [problem.reason for problem in extraction.problems] == ["no_text_layer"]
    assert extraction.figures == []


@pytest.mark.corpus
def test_real_pmc_pdf_yields_its_numbered_figures():
    folder = corpus_folder("pdf-pmc-jats") / "PMC10167360"
    extraction = extract_bundle("fulltext.pdf", (folder / "fulltext.pdf").read_bytes())
    numbers = [figure.number for figure in extraction.figures]
    assert numbers[:3] == ["1", "2", "3"]
    assert all(figure.caption for figure in extraction.figures)
