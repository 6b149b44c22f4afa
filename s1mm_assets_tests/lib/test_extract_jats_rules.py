"""JATS rules on small packages the test writes itself."""

from s1mm_assets.lib.extract import BundleFiles, extract_files
from s1mm_assets_tests import bundles

ARTICLE = """<?xml version="1.0"?>
<article xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:ali="http://www.niso.org/schemas/ali/1.0/">
<front><article-meta>
<article-id pub-id-type="doi">10.1/x</article-id>
<title-group><article-title>Packed figures</article-title></title-group>
<permissions><license><ali:license_ref>https://creativecommons.org/licenses/by/4.0/</ali:license_ref></license></permissions>
<abstract><p>The abstract.</p></abstract>
<abstract abstract-type="graphical"><fig id="ga"><graphic xlink:href="ga.jpg"/></fig></abstract>
</article-meta></front>
<body>
<p>Panels differ (<xref ref-type="fig" rid="F1B">Fig. 1b</xref>); the whole group is in
<xref ref-type="fig" rid="F1">Figure 1</xref>. Two graphics make <xref ref-type="fig" rid="F2">Fig. 2</xref>.</p>
<p>A formula <disp-formula>E = mc<sup>2</sup></disp-formula> that cites <xref ref-type="fig" rid="F2">Fig. 2</xref>.</p>
<fig-group id="F1"><label>Figure 1</label><caption><p>A group.</p></caption>
  <fig id="F1A"><label>A</label><caption><p>Panel a.</p></caption><graphic xlink:href="f1a"/></fig>
  <fig id="F1B"><label>B</label><caption><p>Panel b.</p></caption><graphic xlink:href="f1b"/></fig>
</fig-group>
<fig id="F2"><label>Figure 2</label><caption><title>Two graphics.</title><p>Left and right.</p></caption>
  <graphic xlink:href="f2l.png"/><graphic xlink:href="f2r.png"/></fig>
<sec sec-type="supplementary-material"><supplementary-material>
  <fig id="S1"><label>Supplementary Figure 1</label><caption><p>Extra data.</p></caption>
  <graphic xlink:href="s1.png"/></fig>
</supplementary-material></sec>
<fig id="F3"><label>Figure 3</label><caption><p>Only in the PDF.</p></caption><graphic xlink:href="f3"/></fig>
</body></article>
"""


def extraction(with_pdf: bool = True):
    files = {
        "article.xml": ARTICLE.encode(),
        "f1a.png": bundles.png_bytes(seed=1),
        "f1b.png": bundles.png_bytes(seed=2),
        "f2l.png": bundles.png_bytes(seed=3),
        "f2r.png": bundles.png_bytes(seed=4),
        "s1.png": bundles.png_bytes(seed=5),
    }
    if with_pdf:
        # The article's PDF: its "Figure 3" stands in for the graphic the package lacks.
        files["article.pdf"] = article_pdf()
    return extract_files(BundleFiles(files), "jats")


def article_pdf() -> bytes:
    import pymupdf

    document = pymupdf.open()
    page = document.new_page(width=612, height=792)
    page.insert_image(pymupdf.Rect(150, 100, 450, 300), stream=bundles.png_bytes(300, 200, seed=8))
    page.insert_textbox(pymupdf.Rect(72, 310, 540, 340), "Figure 3. Only in the PDF.", fontsize=9)
    page.insert_textbox(
        pymupdf.Rect(72, 360, 540, 420), "Body text of the article mentions Figure 3 here.", fontsize=10
    )
    return document.tobytes()


def test_a_fig_group_is_one_figure_with_its_panels_as_subfigures_cited_through_any_panel():
    group = {figure.label: figure for figure in extraction().figures}["F1"]
    assert (group.number, group.caption) == ("1", "A group.")
    assert [(sub.label, sub.caption) for sub in group.subfigures] == [("A", "Panel a."), ("B", "Panel b.")]
    assert group.image.width > 2 * 120
    assert len(group.citing_paragraphs) == 1


def test_several_graphics_in_one_fig_are_composed_and_title_joins_the_caption():
    two = {figure.label: figure for figure in extraction().figures}["F2"]
    assert two.caption == "Two graphics. Left and right."
    assert two.warnings == ["composed from 2 graphics"]
    assert two.citing_paragraphs[1] == "A formula E = mc2 that cites Fig. 2."


def test_supplementary_figures_are_flagged_and_numbered_with_an_s():
    figures = {figure.label: figure for figure in extraction().figures}
    assert (figures["S1"].supplementary, figures["S1"].number) == (True, "S1")
    assert not figures["F2"].supplementary


def test_missing_graphic_comes_from_the_pdf_in_the_package():
    third = {figure.label: figure for figure in extraction().figures}["F3"]
    assert third.page == 1 and third.bbox is not None
    assert third.warnings == ["image rendered from the PDF in the package: graphic 'f3' is not in it"]
    without_pdf = extraction(with_pdf=False)
    assert ("F3", "missing_file") in [(problem.figure_key, problem.reason) for problem in without_pdf.problems]


def test_graphical_abstract_without_caption_is_reported_and_front_matter_read():
    result = extraction()
    assert ("ga", "no_caption") in [(problem.figure_key, problem.reason) for problem in result.problems]
    assert (result.title, result.abstract, result.doi) == ("Packed figures", "The abstract.", "10.1/x")
    assert result.license == "https://creativecommons.org/licenses/by/4.0/"


def test_jats_with_a_default_namespace():
    namespaced = ARTICLE.replace("<article ", '<article xmlns="http://jats.nlm.nih.gov/ns/archiving/1.3/" ', 1)
    files = {"a.xml": namespaced.encode(), "s1.png": bundles.png_bytes(), "f2l.png": bundles.png_bytes()}
    files["f2r.png"] = bundles.png_bytes(seed=9)
    result = extract_files(BundleFiles(files), "jats")
    assert result.title == "Packed figures"
    assert {figure.label for figure in result.figures} == {"F2", "S1"}


def test_the_pdf_stands_in_once_for_a_figure_whose_panels_are_all_missing_and_never_for_a_scheme():
    article = """<?xml version="1.0"?>
<article xmlns:xlink="http://www.w3.org/1999/xlink"><body>
<fig-group id="G3"><label>Figure 3</label><caption><p>A group of panels.</p></caption>
  <fig id="G3A"><label>A</label><graphic xlink:href="g3a"/></fig>
  <fig id="G3B"><label>B</label><graphic xlink:href="g3b"/></fig>
</fig-group>
<fig id="SC3"><label>Scheme 3</label><caption><p>A reaction.</p></caption><graphic xlink:href="sc3"/></fig>
</body></article>"""
    result = extract_files(BundleFiles({"article.xml": article.encode(), "article.pdf": article_pdf()}), "jats")
    [group] = result.figures
    pdf_figure = extract_files(BundleFiles({"article.pdf": article_pdf()}), "pdf").figures[0]
    assert group.label == "G3" and group.image == pdf_figure.image  # the PDF's figure, not two copies side by side
    assert group.warnings == ["image rendered from the PDF in the package: graphics 'g3a', 'g3b' are not in it"]
    assert ("SC3", "missing_file") in [(problem.figure_key, problem.reason) for problem in result.problems]


def test_a_fig_without_caption_takes_its_legend_from_a_statement_and_appendix_numbers_are_kept():
    article = """<?xml version="1.0"?>
<article xmlns:xlink="http://www.w3.org/1999/xlink"><body>
<fig id="F1"><label>Figure 1</label><graphic xlink:href="f1"/>
  <statement><p>Peroxide value of the oils after an oven test.</p></statement></fig>
<fig id="FA1"><label>Figure A1</label><caption><p>In the appendix.</p></caption><graphic xlink:href="f1"/></fig>
</body></article>"""
    result = extract_files(BundleFiles({"article.xml": article.encode(), "f1.png": bundles.png_bytes()}), "jats")
    assert [(figure.number, figure.caption) for figure in result.figures] == [
        ("1", "Peroxide value of the oils after an oven test."),
        ("A1", "In the appendix."),  # numbered as the PDF prints it, so the PDF can stand in for it
    ]
