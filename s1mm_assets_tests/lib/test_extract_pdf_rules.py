"""PDF rules on small pages the test lays out itself: caption labels, layouts, text, mentions, scans."""

import pymupdf
import pytest

from s1mm_assets.lib.extract import BundleFiles, extract_files
from s1mm_assets.lib.extract.pdf_text import Vocabulary, join_lines
from s1mm_assets_tests import bundles

BODY = (
    "The measurements were repeated three times under the same conditions and the results agreed within the "
    "stated uncertainty, which we estimate from the spread of the repeated runs over several days."
)


def new_page(document: pymupdf.Document) -> pymupdf.Page:
    return document.new_page(width=612, height=792)


def spans(page: pymupdf.Page, x: float, y: float, lines: list[list[tuple[str, str]]], size: float = 9) -> None:
    """Lines of text made of (text, font) spans: "hebo" is Helvetica bold, "helv" regular."""
    for index, line in enumerate(lines):
        left = x
        for text, font in line:
            page.insert_text((left, y + index * size * 1.25), text, fontsize=size, fontname=font)
            left += pymupdf.get_text_length(text, fontname=font, fontsize=size)


def paragraph(page: pymupdf.Page, rect: tuple[float, float, float, float], text: str = BODY) -> None:
    page.insert_textbox(pymupdf.Rect(rect), text, fontsize=10)


def raster(page: pymupdf.Page, rect: tuple[float, float, float, float], seed: int = 0) -> None:
    width, height = int(rect[2] - rect[0]), int(rect[3] - rect[1])
    page.insert_image(pymupdf.Rect(rect), stream=bundles.png_bytes(width, height, seed=seed))


def plot(page: pymupdf.Page, rect: tuple[float, float, float, float], legend: str = "data") -> None:
    """A vector plot: frame, curve, tick labels and a legend in small type."""
    x0, y0, x1, y1 = rect
    page.draw_rect(pymupdf.Rect(rect), color=(0, 0, 0))
    page.draw_polyline([(x0, y1 - 10), ((x0 + x1) / 2, (y0 + y1) / 2), (x1, y0 + 10)], color=(0.8, 0, 0), width=2)
    for index in range(5):
        page.insert_text((x0 + index * (x1 - x0) / 4 - 3, y1 + 9), str(index * 10), fontsize=6)
    page.insert_text((x1 - 60, y0 + 12), legend, fontsize=6)


def extract(document: pymupdf.Document, dpi: int = 150):
    return extract_files(BundleFiles({"paper.pdf": document.tobytes()}), "pdf", dpi=dpi)


@pytest.mark.parametrize(
    ("label", "number", "supplementary"),
    [
        ([("Figure 3.", "helv"), (" Rates rise.", "helv")], "3", False),
        ([("Fig. 3:", "helv"), (" Rates rise.", "helv")], "3", False),
        ([("FIGURE 3", "hebo"), (" Rates rise.", "helv")], "3", False),
        ([("Fig. 3", "hebo"), (" Rates rise.", "helv")], "3", False),  # BMC: a bold label, no punctuation
        ([("Figure-3:", "hebo"), (" Rates rise.", "helv")], "3", False),  # Veterinary World
        ([("FIGURE 3 |", "hebo"), (" Rates rise.", "helv")], "3", False),  # Frontiers
        ([("Figure A3:", "helv"), (" Rates rise.", "helv")], "A3", False),  # an appendix's numbering
        ([("Supplementary Figure S1.", "helv"), (" Rates rise.", "helv")], "S1", True),
        ([("Supplementary Fig. 2 |", "hebo"), (" Rates rise.", "helv")], "S2", True),
        ([("Suppl. Fig. 4.", "helv"), (" Rates rise.", "helv")], "S4", True),
    ],
)
def test_caption_labels(label, number, supplementary):
    document = pymupdf.open()
    page = new_page(document)
    raster(page, (150, 100, 450, 300))
    spans(page, 72, 320, [label])
    [figure] = extract(document).figures
    assert (figure.number, figure.caption, figure.supplementary) == (number, "Rates rise.", supplementary)


def test_a_paragraph_opening_with_figure_n_is_not_a_caption():
    document = pymupdf.open()
    page = new_page(document)
    raster(page, (150, 100, 450, 300))
    spans(page, 72, 320, [[("Figure 1.", "hebo"), (" The real caption.", "helv")]])
    paragraph(page, (72, 360, 540, 420), "Figure 1 shows the rates rising with time, as discussed in the text.")
    raster(page, (150, 440, 450, 600), seed=3)  # a graphic next to the sentence does not make it a caption
    paragraph(page, (72, 610, 540, 660), "Figure 2 illustrates nothing: there is no second figure.")
    extraction = extract(document)
    assert [(figure.number, figure.caption) for figure in extraction.figures] == [("1", "The real caption.")]
    assert extraction.figures[0].citing_paragraphs == [
        "Figure 1 shows the rates rising with time, as discussed in the text."
    ]


def test_caption_above_its_figure_and_below_in_the_same_document():
    document = pymupdf.open()
    page = new_page(document)
    spans(page, 72, 80, [[("Figure 1.", "hebo"), (" Caption above.", "helv")]])
    raster(page, (150, 95, 450, 280))
    paragraph(page, (72, 300, 540, 360))
    plot(page, (150, 380, 450, 560))
    spans(page, 72, 585, [[("Figure 2.", "hebo"), (" Caption below.", "helv")]])
    first, second = extract(document).figures
    assert first.bbox[1] == pytest.approx(95, abs=3) and first.bbox[3] == pytest.approx(280, abs=3)
    assert second.bbox[1] == pytest.approx(380, abs=3) and second.bbox[3] >= 560  # tick labels included
    assert first.caption == "Caption above." and second.caption == "Caption below."


def test_two_column_page_keeps_the_figure_in_its_column():
    document = pymupdf.open()
    page = new_page(document)
    for top in (60, 200, 340, 480):
        paragraph(page, (50, top, 296, top + 130))  # the left column, beside the figure
    paragraph(page, (316, 60, 562, 190))
    plot(page, (330, 210, 550, 380), legend="Fig. 1 fit")
    spans(page, 316, 400, [[("Figure 1.", "hebo"), (" A plot in the right column.", "helv")]])
    paragraph(page, (316, 430, 562, 560), "As Fig. 1 shows, the fit is good. " + BODY)
    [figure] = extract(document).figures
    x0, y0, x1, y1 = figure.bbox
    assert x0 >= 316 and y0 == pytest.approx(210, abs=3) and x1 <= 562 and y1 <= 400
    # The legend inside the plot mentions "Fig. 1" but is no citing paragraph.
    assert [text[:30] for text in figure.citing_paragraphs] == ["As Fig. 1 shows, the fit is go"]


def test_paragraph_continued_across_a_column_break_is_one_citing_paragraph():
    document = pymupdf.open()
    page = new_page(document)
    raster(page, (330, 60, 550, 200))
    spans(page, 316, 215, [[("Figure 1.", "hebo"), (" Image.", "helv")]])
    paragraph(page, (50, 600, 296, 760), BODY + " The first half ends in the middle of a sentence that goes")
    paragraph(page, (316, 260, 562, 400), "on in the other column and cites Figure 1 there. " + BODY)
    for top in (60, 200, 340, 470):
        paragraph(page, (50, top, 296, top + 120))
    [figure] = extract(document).figures
    [cited] = figure.citing_paragraphs
    assert "sentence that goes on in the other column and cites Figure 1 there." in cited


def test_caption_lines_broken_after_hyphens_slashes_and_soft_hyphens():
    document = pymupdf.open()
    page = new_page(document)
    raster(page, (150, 100, 450, 300))
    lines = [
        [("Figure 1.", "hebo"), (" The conse-", "helv")],
        [("quences of a zeolite-", "helv")],
        [("supported Pt/", "helv")],
        [("CeO2 catalyst, exam\u00ad", "helv")],
        [("ined closely.", "helv")],
    ]
    spans(page, 72, 320, lines)
    paragraph(page, (72, 400, 540, 460), "The consequences for zeolite-supported catalysts are examined here.")
    [figure] = extract(document).figures
    assert figure.caption == "The consequences of a zeolite-supported Pt/CeO2 catalyst, examined closely."


def test_scanned_pages_are_quarantined_and_text_pages_still_read():
    document = pymupdf.open()
    page = new_page(document)
    raster(page, (150, 100, 450, 300))
    spans(page, 72, 320, [[("Figure 1.", "hebo"), (" From the text page.", "helv")]])
    scanned = new_page(document)
    raster(scanned, (20, 20, 592, 772), seed=4)
    extraction = extract(document)
    assert [figure.caption for figure in extraction.figures] == ["From the text page."]
    assert [(problem.figure_key, problem.reason) for problem in extraction.problems] == [("page-2", "scanned_page")]


def test_region_is_rendered_at_the_requested_resolution():
    document = pymupdf.open()
    page = new_page(document)
    raster(page, (150, 100, 450, 300))
    spans(page, 72, 320, [[("Figure 1.", "hebo"), (" Resolution.", "helv")]])
    low, high = extract(document, dpi=72).figures[0], extract(document, dpi=300).figures[0]
    assert high.image.width == pytest.approx(low.image.width * 300 / 72, rel=0.02)
    assert low.image.width == pytest.approx(low.bbox[2] - low.bbox[0], abs=2)


def test_caption_without_a_figure_is_reported():
    document = pymupdf.open()
    page = new_page(document)
    paragraph(page, (72, 60, 540, 200))
    spans(page, 72, 320, [[("Figure 1.", "hebo"), (" A caption whose figure is text only.", "helv")]])
    extraction = extract(document)
    assert extraction.figures == []
    assert [(problem.figure_key, problem.reason) for problem in extraction.problems] == [
        ("figure-1", "no_figure_region")
    ]


def test_line_joining_rules():
    vocabulary = Vocabulary(["consequences matter", "a zeolite-supported catalyst", "signal processing"])
    assert join_lines(["The conse-", "quences"], vocabulary) == "The consequences"
    assert join_lines(["a zeolite-", "supported one"], vocabulary) == "a zeolite-supported one"
    assert join_lines(["signal-", "processing"], vocabulary) == "signal-processing"  # two known words
    assert join_lines(["unknown hyphen-", "ation"], vocabulary) == "unknown hyphenation"
    assert join_lines(["CO2-", "Reduction"], vocabulary) == "CO2-Reduction"
    assert join_lines(["Pt/", "CeO\u2082"], vocabulary) == "Pt/CeO\u2082"
    assert join_lines(["exam\u00ad", "ined"], vocabulary) == "examined"
    assert join_lines(["e\ufb03cient \ufb01lms at 80 \u25e6C"], vocabulary) == "efficient films at 80 °C"


def test_caption_beside_its_figure_and_the_journal_header_bar_is_no_figure():
    document = pymupdf.open()
    page = new_page(document)
    page.draw_rect(pymupdf.Rect(0, 0, 612, 30), color=None, fill=(0.2, 0.3, 0.6))  # a journal's header bar
    spans(page, 50, 80, [[("Figure 1.", "hebo"), (" A caption set", "helv")], [("in a side column.", "helv")]])
    raster(page, (160, 60, 560, 300))
    paragraph(page, (50, 330, 560, 420))
    [figure] = extract(document).figures
    assert figure.caption == "A caption set in a side column."
    assert figure.bbox[0] == pytest.approx(160, abs=3) and figure.bbox[1] == pytest.approx(60, abs=3)


def two_columns_of_text(page: pymupdf.Page, tops: tuple[float, ...]) -> None:
    for top in tops:
        paragraph(page, (50, top, 296, top + 120))
        paragraph(page, (316, top, 562, top + 120))


def test_label_alone_in_its_own_block_above_the_caption_text():
    document = pymupdf.open()
    page = new_page(document)
    raster(page, (150, 100, 450, 300))
    spans(page, 72, 320, [[("FIGURE 1", "hebo")]])
    spans(page, 72, 338, [[("Rates rise with time in every sample we measured.", "helv")]])
    paragraph(page, (72, 380, 540, 460))
    [figure] = extract(document).figures
    assert (figure.number, figure.caption) == ("1", "Rates rise with time in every sample we measured.")


def test_caption_merged_with_the_figures_last_labels_in_one_block():
    document = pymupdf.open()
    page = new_page(document)
    plot(page, (150, 100, 450, 300))
    # The x-axis title, in smaller type right above the caption: MuPDF puts both in one block.
    spans(page, 280, 318, [[("time (s)", "helv")]], size=7)
    spans(page, 72, 328, [[("Figure 1:", "helv"), (" Rates rise.", "helv")]])
    paragraph(page, (72, 360, 540, 460))
    [figure] = extract(document).figures
    assert (figure.number, figure.caption) == ("1", "Rates rise.")


def test_notes_set_under_their_own_bold_heading_are_not_the_caption():
    document = pymupdf.open()
    page = new_page(document)
    raster(page, (150, 100, 450, 300))
    lines = [
        [("Figure 1", "hebo"), (" Participant flow diagram.", "helv")],
        [("Abbreviation:", "hebo"), (" ASA, American Society.", "helv")],
    ]
    spans(page, 72, 320, lines)
    [figure] = extract(document).figures
    assert figure.caption == "Participant flow diagram."


def test_white_boxes_draw_nothing_and_make_no_figure():
    document = pymupdf.open()
    page = new_page(document)
    # Publishers lay white rectangles under text blocks and figures; on a white page they are invisible.
    page.draw_rect(pymupdf.Rect(60, 90, 560, 340), color=None, fill=(1, 1, 1))
    raster(page, (150, 100, 450, 300))
    spans(page, 72, 320, [[("Figure 1.", "hebo"), (" A raster image.", "helv")]])
    page.draw_rect(pymupdf.Rect(60, 400, 560, 600), color=None, fill=(1, 1, 1))
    spans(page, 72, 620, [[("Figure 2.", "hebo"), (" Nothing drawn above this caption.", "helv")]])
    extraction = extract(document)
    [figure] = extraction.figures
    assert figure.number == "1" and figure.bbox[0] == pytest.approx(150, abs=3)
    assert [(problem.figure_key, problem.reason) for problem in extraction.problems] == [
        ("figure-2", "no_figure_region")
    ]


def test_numbers_inside_a_diagram_at_the_top_of_the_page_are_not_page_numbers():
    document = pymupdf.open()
    for number in range(1, 4):
        page = new_page(document)
        paragraph(page, (72, 100, 540, 700))
        page.insert_text((300, 760), str(number), fontsize=10)  # the real page number
    page = document[1]
    page.draw_rect(pymupdf.Rect(72, 40, 540, 100), color=None, fill=(1, 1, 1))  # make room at the top
    for index, left in enumerate((120, 240, 360, 480)):
        page.draw_rect(pymupdf.Rect(left - 12, 46, left + 12, 70), color=(0, 0, 0))  # a node, its number inside
        page.insert_text((left - 3, 62), str(index + 1), fontsize=10)
    page.draw_line((132, 58), (228, 58))
    spans(page, 72, 90, [[("Figure 1:", "helv"), (" A simple web graph.", "helv")]])
    [figure] = extract(document).figures
    assert figure.caption == "A simple web graph."
    assert figure.bbox[0] == pytest.approx(108, abs=3) and figure.bbox[2] == pytest.approx(492, abs=3)


def test_figures_and_captions_in_a_side_column_beside_two_columns_of_text():
    document = pymupdf.open()
    page = document.new_page(width=792, height=612)
    for top in (60, 200, 340):
        paragraph(page, (200, top, 440, top + 120))
        paragraph(page, (476, top, 716, top + 120))
    raster(page, (50, 60, 180, 250))
    spans(
        page,
        40,
        270,
        [[("Figure 2", "hebo"), (" EEG cap with the", "helv")], [("electrode positions.", "helv")]],
        size=8,
    )
    [figure] = extract(document).figures
    assert figure.caption == "EEG cap with the electrode positions."
    assert figure.bbox == pytest.approx((50, 60, 180, 250), abs=3)


def test_several_vector_figures_on_one_page():
    document = pymupdf.open()
    page = new_page(document)
    plot(page, (150, 60, 450, 200))
    spans(page, 72, 222, [[("Figure 1.", "hebo"), (" First.", "helv")]])
    plot(page, (150, 260, 450, 400))
    spans(page, 72, 422, [[("Figure 2.", "hebo"), (" Second.", "helv")]])
    plot(page, (150, 460, 450, 600))
    spans(page, 72, 622, [[("Figure 3.", "hebo"), (" Third.", "helv")]])
    paragraph(page, (72, 650, 540, 740))
    figures = extract(document).figures
    assert [(figure.number, figure.caption) for figure in figures] == [
        ("1", "First."),
        ("2", "Second."),
        ("3", "Third."),
    ]
    assert [round(figure.bbox[1]) for figure in figures] == pytest.approx([60, 260, 460], abs=3)


def test_figures_side_by_side_in_two_columns_stay_apart_under_a_ruled_running_head():
    document = pymupdf.open()
    for _ in range(3):
        page = new_page(document)
        page.insert_text((50, 40), "Journal of Examples", fontsize=8)
        page.draw_line((50, 46), (562, 46))  # the running head's rule, across both columns
    page = document[1]
    plot(page, (55, 60, 300, 230))  # its frame reaches a little into the gutter
    spans(page, 50, 250, [[("Figure 1.", "hebo"), (" Left.", "helv")]])
    plot(page, (325, 60, 555, 230))
    spans(page, 316, 250, [[("Figure 2.", "hebo"), (" Right.", "helv")]])
    two_columns_of_text(page, (280, 420, 560))
    first, second = extract(document).figures
    assert (first.caption, second.caption) == ("Left.", "Right.")
    assert first.bbox[2] < 310 and second.bbox[0] > 310
    assert first.bbox[1] == pytest.approx(60, abs=3)


def test_a_caption_under_text_does_not_take_the_next_figure():
    document = pymupdf.open()
    page = new_page(document)
    spans(page, 72, 80, [[("<BOOK>", "cour")], [("  <TITLE>Bad Bugs</TITLE>", "cour")], [("</BOOK>", "cour")]])
    spans(page, 72, 125, [[("Figure 1.", "hebo"), (" Sample XML data.", "helv")]])
    plot(page, (150, 140, 450, 300))
    spans(page, 72, 325, [[("Figure 2.", "hebo"), (" A node label.", "helv")]])
    paragraph(page, (72, 360, 540, 460))
    extraction = extract(document)
    [figure] = extraction.figures
    assert figure.caption == "A node label."
    assert [(problem.figure_key, problem.reason) for problem in extraction.problems] == [
        ("figure-1", "no_figure_region")
    ]


def test_two_column_spanning_grid_of_panels_with_their_own_captions():
    document = pymupdf.open()
    page = new_page(document)
    for row, top in enumerate((60, 220)):
        for column, left in enumerate((60, 320)):
            raster(page, (left, top, left + 230, top + 120), seed=row * 2 + column)
            letter = "abcd"[row * 2 + column]
            sub_caption = [
                [(f"({letter}) The measured rate for the sample at the given temperature", "helv")],
                [("and pressure over the whole run", "helv")],
            ]
            spans(page, left, top + 136, sub_caption, size=9)
    spans(page, 240, 400, [[("Figure 1:", "helv"), (" A grid of four panels.", "helv")]], size=9)  # centred
    two_columns_of_text(page, (430, 570))
    [figure] = extract(document).figures
    assert figure.caption == "A grid of four panels."
    assert figure.bbox[:2] == pytest.approx((60, 60), abs=3) and figure.bbox[2] >= 550 and figure.bbox[3] < 390


@pytest.mark.parametrize(
    "table_caption",
    [
        [[("Table 3:", "hebo"), (" Enzyme activity in each group.", "helv")]],
        [[("TABLE III", "helv")], [("ENZYME ACTIVITY IN EACH GROUP", "helv")]],  # IEEE: label above the title
    ],
)
def test_a_table_set_right_above_a_figure_is_not_part_of_it(table_caption):
    document = pymupdf.open()
    page = new_page(document)
    spans(page, 50, 100 - 10 * len(table_caption), table_caption, size=8)
    page.draw_line((50, 110), (562, 110))
    for row, top in enumerate(range(122, 210, 14)):
        spans(page, 60, top, [[(f"Enzyme {row}", "helv"), ("          1.8 ± 0.1     2.7 ± 0.2     2.1 ± 0.1", "helv")]])
    page.draw_line((50, 212), (562, 212))
    spans(page, 50, 222, [[("Values are means ± SEM of seven rats per group.", "helv")]], size=7)
    for column, left in enumerate((70, 230, 390)):
        raster(page, (left, 235, left + 150, 350), seed=column)
    spans(page, 50, 370, [[("Figure 2:", "hebo"), (" Liver sections of each group.", "helv")]])
    two_columns_of_text(page, (400, 550))
    [figure] = extract(document).figures
    assert figure.caption == "Liver sections of each group."
    assert figure.bbox[1] == pytest.approx(235, abs=3)


def test_two_figures_side_by_side_in_one_column_each_with_its_caption():
    document = pymupdf.open()
    page = new_page(document)
    paragraph(page, (72, 50, 540, 95))
    plot(page, (80, 110, 290, 250))
    plot(page, (320, 110, 530, 250))
    # On one baseline: MuPDF makes the two captions lines of one block.
    spans(page, 90, 275, [[("Figure 1:", "helv"), (" Loss on the training set.", "helv")]], size=9)
    spans(page, 330, 275, [[("Figure 2:", "helv"), (" Loss on the test set.", "helv")]], size=9)
    paragraph(page, (72, 300, 540, 450))
    first, second = extract(document).figures
    assert (first.caption, second.caption) == ("Loss on the training set.", "Loss on the test set.")
    assert first.bbox[2] < 305 and second.bbox[0] > 305


def test_figure_wrapped_in_the_text_beside_it():
    document = pymupdf.open()
    page = new_page(document)
    paragraph(page, (72, 50, 540, 95))
    raster(page, (260, 105, 540, 290))
    caption = [[("Figure 1:", "helv"), (" A wrapped figure beside", "helv")], [("the text of the paper.", "helv")]]
    spans(page, 260, 305, caption, size=9)
    paragraph(page, (72, 105, 245, 200))
    paragraph(page, (72, 205, 245, 330))
    paragraph(page, (72, 340, 540, 450))
    [figure] = extract(document).figures
    assert figure.caption == "A wrapped figure beside the text of the paper."
    assert figure.bbox == pytest.approx((260, 105, 540, 290), abs=3)


def test_a_page_set_sideways_is_read_turned_upright():
    document = pymupdf.open()
    page = new_page(document)
    # A landscape figure on a portrait page: the image, its caption and the text run up the page.
    page.insert_image(pymupdf.Rect(150, 150, 350, 550), stream=bundles.png_bytes(400, 200), rotate=90)
    page.insert_text((380, 500), "Figure 4. Best animations of the year, by studio.", fontsize=10, rotate=90)
    for column in range(3):
        page.insert_text((430 + column * 14, 700), BODY[:100], fontsize=10, rotate=90)
    [figure] = extract(document).figures
    assert (figure.number, figure.caption) == ("4", "Best animations of the year, by studio.")
    assert figure.image.width > figure.image.height  # rendered the way a reader turns the page


def test_a_full_page_figure_takes_its_caption_from_the_facing_page():
    document = pymupdf.open()
    text_page = new_page(document)
    paragraph(text_page, (72, 60, 540, 400))
    spans(
        text_page,
        72,
        430,
        [[("Fig. 1.", "hebo"), (" Calcium waves in glia, recorded over", "helv")], [("ten seconds.", "helv")]],
    )
    paragraph(text_page, (72, 470, 540, 700))
    figure_page = new_page(document)
    raster(figure_page, (72, 60, 540, 700))
    spans(figure_page, 290, 720, [[("Fig. 1", "hebo")]])
    [figure] = extract(document).figures
    assert (figure.page, figure.caption) == (2, "Calcium waves in glia, recorded over ten seconds.")


def test_columns_of_left_and_right_hand_pages_with_mirrored_margins():
    document = pymupdf.open()
    for number in range(6):
        page = new_page(document)
        shift = 0 if number % 2 else 30  # the inner margin is wider: columns move from page to page
        for top in (60, 200, 340, 480, 620):
            paragraph(page, (30 + shift, top, 270 + shift, top + 120))
            paragraph(page, (290 + shift, top, 530 + shift, top + 120))
    page = document[3]
    page.add_redact_annot(pymupdf.Rect(280, 55, 540, 330))  # room for a figure in the right column
    page.apply_redactions()
    plot(page, (300, 70, 520, 270))
    spans(page, 290, 300, [[("Figure 1.", "hebo"), (" In the right column.", "helv")]])
    [figure] = extract(document).figures
    assert figure.caption == "In the right column."
    assert figure.bbox[0] >= 290 and figure.bbox[1] == pytest.approx(70, abs=3)


def test_a_figure_across_both_columns_over_a_short_caption_at_the_left_margin():
    """BMC and Springer set a page-wide figure over a caption that starts at the left margin; a short one fits
    the left column, while the figure's lowest part (the part next to the caption) lies in the right column."""
    document = pymupdf.open()
    page = new_page(document)
    plot(page, (150, 60, 450, 250), legend="schema")
    plot(page, (330, 270, 530, 380), legend="outcome")  # the figure's last box, under the right column only
    spans(page, 56, 400, [[("Fig. 1", "hebo"), (" Study schema", "helv")]])
    two_columns_of_text(page, (430, 570))
    [figure] = extract(document).figures
    assert figure.caption == "Study schema"
    x0, y0, x1, y1 = figure.bbox  # both boxes, above the caption
    assert x0 <= 150 and y0 <= 60 and x1 >= 530 and y1 < 400


def test_a_flow_chart_of_boxed_labels_in_body_type_is_one_figure():
    """Boxes holding a line or two of text in the body's own type, joined by arrows: the labels belong to the
    figure, they are not paragraphs that end it."""
    document = pymupdf.open()
    page = new_page(document)
    paragraph(page, (72, 60, 540, 200))
    nodes = [(150, 230, 460, 262), (110, 300, 330, 332), (200, 370, 520, 402)]
    labels = [
        "Exploration of the whole set of rules found by the search",
        "Subspaces of rules that share a consequent",
        "The representative rule of each subspace and its support",
    ]
    for (x0, y0, x1, y1), label in zip(nodes, labels, strict=True):
        page.draw_rect(pymupdf.Rect(x0, y0, x1, y1), color=(0, 0, 0), fill=(1, 1, 1), width=0.7)
        page.insert_textbox(pymupdf.Rect(x0 + 6, y0 + 8, x1 - 6, y1 - 4), label, fontsize=10)
    for top, bottom in ((262, 300), (332, 370)):
        page.draw_line((220, top), (220, bottom), color=(0, 0, 0), width=0.7)
    spans(page, 72, 425, [[("Fig. 1", "hebo"), (" Exploration of a set of rules.", "helv")]])
    paragraph(page, (72, 450, 540, 600))
    [figure] = extract(document).figures
    x0, y0, x1, y1 = figure.bbox
    assert figure.caption == "Exploration of a set of rules."
    assert y0 <= 231 and y1 >= 401 and y1 < 425 and x0 <= 111 and x1 >= 519
