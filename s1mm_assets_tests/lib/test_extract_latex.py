import datetime
import io

from PIL import Image

from s1mm_assets.lib.extract import extract_bundle
from s1mm_assets_tests import bundles


def _by_label(extraction):
    return {figure.label: figure for figure in extraction.figures}


def test_figures_come_out_with_long_caption_label_and_decodable_image():
    extraction = extract_bundle("2401.00001.tar.gz", bundles.latex_bundle())
    figures = _by_label(extraction)
    assert extraction.extractor == "latex"
    assert set(figures) == {"fig:velocity", "fig:micro", "fig:panels"}
    velocity = figures["fig:velocity"]
    # \caption[short]{long} keeps the long form; the user macro and the math are rendered.
    assert velocity.caption.startswith("Velocity of the DeepFlow tracer versus time")
    assert "α" in velocity.caption and "\\" not in velocity.caption
    assert velocity.number == "1"
    for figure in extraction.figures:
        with Image.open(io.BytesIO(figure.image.data)) as image:
            image.load()
            assert image.size == (figure.image.width, figure.image.height)


def test_pdf_figure_is_rasterised_and_jpeg_kept_as_is():
    figures = _by_label(extract_bundle("paper.tar.gz", bundles.latex_bundle()))
    assert figures["fig:velocity"].image.format == "png"  # from the vector PDF
    assert figures["fig:micro"].image.format == "jpeg"
    assert figures["fig:micro"].image.data == bundles.jpeg_bytes()
    assert figures["fig:micro"].caption == "Micrograph of the sample."  # \label inside the caption is dropped


def test_subfigures_are_composed_and_keep_their_captions():
    panels = _by_label(extract_bundle("paper.tar.gz", bundles.latex_bundle()))["fig:panels"]
    assert panels.caption == "Two regimes of the flow."
    assert [sub.caption for sub in panels.subfigures] == ["Laminar.", "Turbulent."]
    assert panels.image.width > 2 * 100  # two panels side by side


def test_tikz_and_missing_graphics_are_reported_never_blank():
    extraction = extract_bundle("paper.tar.gz", bundles.latex_bundle())
    problems = {problem.figure_key: problem.reason for problem in extraction.problems}
    assert problems == {"fig:tikz": "drawn_in_latex", "fig:missing": "missing_file"}


def test_commented_out_and_stale_figures_are_not_extracted():
    extraction = extract_bundle("paper.tar.gz", bundles.latex_bundle())
    assert not any("stale" in figure.caption for figure in extraction.figures)
    assert len(extraction.figures) == 3


def test_citing_paragraphs_render_references_as_figure_numbers():
    figures = _by_label(extract_bundle("paper.tar.gz", bundles.latex_bundle()))
    [paragraph] = figures["fig:velocity"].citing_paragraphs
    assert "as Fig. 1 shows" in paragraph
    assert any("Figure 2 reveals cracks" in text for text in figures["fig:micro"].citing_paragraphs)


def test_title_and_abstract_from_the_document():
    extraction = extract_bundle("paper.tar.gz", bundles.latex_bundle())
    assert extraction.title == "Measuring Flow with DeepFlow"
    assert extraction.abstract == "We measure turbulent flow with a new method."


def test_single_gzipped_tex_file_is_a_latex_bundle():
    source = bundles.LATEX_MAIN.replace("\\input{sections/results}", "Text only.")
    extraction = extract_bundle("2401.00002.gz", bundles.gzip_bytes(source))
    assert extraction.extractor == "latex"
    assert extraction.title == "Measuring Flow with DeepFlow"
    assert extraction.figures == []


def test_title_block_and_date_macros_never_leak_into_extracted_text():
    # A paragraph that holds \maketitle cites a figure: its text must not carry a title block or today's date.
    source = bundles.LATEX_MAIN.replace("\\maketitle", "\\maketitle \\today{} Figure~\\ref{fig:velocity} opens.")
    extraction = extract_bundle("paper.tar.gz", bundles.tar_gz({"main.tex": source, **_results_and_figures()}))
    citing = " ".join(paragraph for figure in extraction.figures for paragraph in figure.citing_paragraphs)
    assert "Figure 1 opens." in citing
    assert "GIVEN" not in citing and "=====" not in citing
    assert str(datetime.date.today().year) not in citing


def _results_and_figures() -> dict[str, bytes | str]:
    return {
        "sections/results.tex": bundles.LATEX_RESULTS,
        "figs/velocity.pdf": bundles.pdf_figure_bytes(),
        "figs/micro.jpg": bundles.jpeg_bytes(),
        "figs/left.png": bundles.png_bytes(seed=2),
        "figs/right.png": bundles.png_bytes(seed=3),
    }
