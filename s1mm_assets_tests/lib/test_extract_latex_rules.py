"""Each LaTeX rule on a small document the test writes itself."""

import io
import shutil

import pytest
from PIL import Image

from s1mm_assets.lib.extract import BundleFiles, extract_bundle, extract_files
from s1mm_assets.lib.extract.latex import find_main_file
from s1mm_assets_tests import bundles


def latex(files: dict[str, bytes | str]):
    encoded = {name: content.encode() if isinstance(content, str) else content for name, content in files.items()}
    return extract_files(BundleFiles(encoded), "latex")


def document(body: str, preamble: str = "") -> str:
    head = f"\\documentclass{{article}}\n\\usepackage{{graphicx}}\n{preamble}\n"
    return f"{head}\\begin{{document}}\n{body}\n\\end{{document}}\n"


def figure(graphic: str, caption: str, label: str = "", environment: str = "figure") -> str:
    label_command = f"\\label{{{label}}}" if label else ""
    content = f"\\includegraphics{{{graphic}}}\\caption{{{caption}}}{label_command}"
    return f"\\begin{{{environment}}}{content}\\end{{{environment}}}"


def by_label(extraction):
    return {figure.label: figure for figure in extraction.figures}


def eps_bytes() -> bytes:
    return (
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 120 90\n"
        b"0.2 0.4 0.8 setrgbcolor 10 10 100 70 rectfill\n0 0 0 setrgbcolor 2 setlinewidth\n"
        b"10 10 moveto 110 80 lineto stroke\nshowpage\n%%EOF\n"
    )


# --- bundles and the main file ------------------------------------------------------------------------------


def test_main_file_named_by_00readme_wins_over_a_usual_name():
    files = {
        "main.tex": document(figure("a.png", "From main.", "fig:a")),
        "real.tex": document(figure("a.png", "From the real paper.", "fig:a")),
        "00README.XXX": "real.tex toplevelfile\n",
        "a.png": bundles.png_bytes(),
    }
    assert find_main_file(BundleFiles({k: v.encode() if isinstance(v, str) else v for k, v in files.items()})) == (
        "real.tex"
    )
    assert latex(files).figures[0].caption == "From the real paper."


def test_main_file_among_several_candidates_is_not_the_rebuttal_or_cover_letter():
    files = {
        "rebuttal.tex": document(figure("a.png", "Reviewer figure.", "fig:r")),
        "covlett.tex": document("Dear editor."),
        "paper.tex": document(figure("a.png", "The paper's figure.", "fig:p")),
        "a.png": bundles.png_bytes(),
    }
    assert [figure.caption for figure in latex(files).figures] == ["The paper's figure."]


def test_main_file_json_readme_of_newer_arxiv_submissions():
    files = {
        "a.tex": document("A."),
        "b.tex": document(figure("x.png", "B's figure.")),
        "00README.json": '{"sources": [{"filename": "a.tex", "usage": "toplevel"}]}',
        "x.png": bundles.png_bytes(),
    }
    assert find_main_file(BundleFiles({k: v.encode() if isinstance(v, str) else v for k, v in files.items()})) == (
        "a.tex"
    )


def test_zip_bundle_and_plain_folder_and_macosx_junk(tmp_path):
    source = {"paper/main.tex": document(figure("fig", "Zipped.")), "paper/fig.png": bundles.png_bytes()}
    source["__MACOSX/paper/._fig.png"] = b"junk"
    zipped = extract_bundle("upload.zip", bundles.zip_bytes(source))
    assert [figure.caption for figure in zipped.figures] == ["Zipped."]
    for name, content in source.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content.encode() if isinstance(content, str) else content)
    from s1mm_assets.lib.extract.batch import extract_path

    assert [figure.caption for figure in extract_path(tmp_path / "paper").figures] == ["Zipped."]


def test_bundle_that_only_wraps_a_pdf_goes_to_the_pdf_extractor():
    wrapper = document("\\includepdf[pages=-]{paper.pdf}", "\\usepackage{pdfpages}")
    extraction = extract_bundle(
        "2211.tar.gz", bundles.tar_gz({"main.tex": wrapper, "paper.pdf": bundles.pdf_paper_bytes()})
    )
    assert extraction.extractor == "pdf"
    assert [figure.number for figure in extraction.figures] == ["1", "2"]


# --- inclusion ----------------------------------------------------------------------------------------------


def test_input_include_subfile_resolved_relative_to_the_main_folder():
    files = {
        "paper/main.tex": document("\\input{sections/one}\n\\include{sections/two}\n\\subfile{sections/three.tex}"),
        "paper/sections/one.tex": figure("figs/a", "One.", "fig:one"),
        "paper/sections/two.tex": figure("figs/a", "Two.", "fig:two"),
        "paper/sections/three.tex": document(figure("figs/a", "Three.", "fig:three")).replace("article", "subfiles"),
        "paper/figs/a.png": bundles.png_bytes(),
    }
    assert [figure.caption for figure in latex(files).figures] == ["One.", "Two.", "Three."]


def test_import_and_subimport_make_paths_relative_to_the_imported_folder():
    files = {
        "main.tex": document("\\import{chapters/intro/}{intro}"),
        "chapters/intro/intro.tex": "\\subimport{parts/}{detail}\n" + figure("plot", "Imported.", "fig:imp"),
        "chapters/intro/plot.png": bundles.png_bytes(seed=1),
        "chapters/intro/parts/detail.tex": figure("inner", "Nested import.", "fig:nested"),
        "chapters/intro/parts/inner.jpg": bundles.jpeg_bytes(),
    }
    figures = by_label(latex(files))
    assert figures["fig:imp"].image.format == "png"
    assert figures["fig:nested"].image.data == bundles.jpeg_bytes()


def test_include_cycles_and_missing_inputs_end_cleanly():
    files = {
        "main.tex": document("\\input{a}\\input{absent}" + figure("x.png", "After the cycle.")),
        "a.tex": "A \\input{b}",
        "b.tex": "B \\input{a}",
        "x.png": bundles.png_bytes(),
    }
    extraction = latex(files)
    assert [figure.caption for figure in extraction.figures] == ["After the cycle."]
    assert [(problem.reason, problem.detail) for problem in extraction.problems] == [
        ("missing_input", "\\input{absent} is not in the bundle")
    ]


def test_graphicspath_and_extension_less_names_in_the_order_pdflatex_tries():
    files = {
        "main.tex": document(figure("plot", "Found in the graphics path."), "\\graphicspath{{img/}{other/}}"),
        "other/plot.png": bundles.png_bytes(seed=5),
        "img/plot.jpg": bundles.jpeg_bytes(),
        "img/plot.eps": eps_bytes(),
    }
    # img/ comes first in the path; in it pdflatex tries .pdf, .png, .jpg, ... before .eps.
    assert latex(files).figures[0].image.data == bundles.jpeg_bytes()


def test_commented_out_iffalse_and_stale_files_are_not_extracted():
    body = (
        "% " + figure("a.png", "Commented out.") + "\n"
        "\\iffalse " + figure("a.png", "In iffalse.") + " \\fi\n"
        "\\begin{comment}" + figure("a.png", "In comment.") + "\\end{comment}\n" + figure("a.png", "Kept.")
    )
    files = {"main.tex": document(body), "a.png": bundles.png_bytes(), "old.tex": figure("a.png", "Stale file.")}
    assert [figure.caption for figure in latex(files).figures] == ["Kept."]


# --- environments -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ["figure", "figure*", "wrapfigure", "SCfigure"])
def test_every_figure_environment(environment):
    files = {
        "main.tex": document(figure("a.png", f"In {environment}.", environment=environment)),
        "a.png": bundles.png_bytes(),
    }
    assert [figure.caption for figure in latex(files).figures] == [f"In {environment}."]


def test_short_caption_gives_way_to_the_long_one_and_labels_inside_or_outside():
    body = (
        "\\begin{figure}\\includegraphics{a.png}\\caption[Short]{Long caption.\\label{fig:in}}\\end{figure}"
        "\\begin{figure}\\includegraphics{a.png}\\caption{Outside label.}\\label{fig:out}\\end{figure}"
        "See Figures~\\ref{fig:in} and~\\ref{fig:out}."
    )
    figures = by_label(latex({"main.tex": document(body), "a.png": bundles.png_bytes()}))
    assert figures["fig:in"].caption == "Long caption."
    assert (figures["fig:out"].number, figures["fig:out"].caption) == ("2", "Outside label.")
    assert figures["fig:in"].citing_paragraphs == ["See Figures 1 and 2."]


@pytest.mark.parametrize(
    "panels",
    [
        "\\begin{subfigure}{.4\\linewidth}\\includegraphics{l.png}\\caption{Left.}\\label{fig:l}\\end{subfigure}"
        "\\begin{subfigure}{.4\\linewidth}\\includegraphics{r.png}\\caption{Right.}\\end{subfigure}",
        "\\subfloat[Left.\\label{fig:l}]{\\includegraphics{l.png}}\\subfloat[Right.]{\\includegraphics{r.png}}",
        "\\subfigure[Left.\\label{fig:l}]{\\includegraphics{l.png}}\\subfigure[Right.]{\\includegraphics{r.png}}",
        "\\subcaptionbox{Left.\\label{fig:l}}{\\includegraphics{l.png}}\\subcaptionbox{Right.}{\\includegraphics{r.png}}",
        "\\begin{minipage}{.4\\linewidth}\\includegraphics{l.png}\\subcaption{Left.}\\label{fig:l}\\end{minipage}"
        "\\begin{minipage}{.4\\linewidth}\\includegraphics{r.png}\\subcaption{Right.}\\end{minipage}",
    ],
    ids=["subfigure", "subfloat", "subfigure-command", "subcaptionbox", "minipage-subcaption"],
)
def test_subfigures_keep_their_captions_under_the_parent_caption(panels):
    parent = f"\\begin{{figure}}{panels}\\caption{{Two panels.}}\\label{{fig:parent}}\\end{{figure}}"
    body = parent + " In Fig.~\\ref{fig:l} we see."
    files = {"main.tex": document(body), "l.png": bundles.png_bytes(seed=1), "r.png": bundles.png_bytes(seed=2)}
    [parent] = latex(files).figures
    assert parent.caption == "Two panels."
    assert [(sub.label, sub.caption) for sub in parent.subfigures] == [("(a)", "Left."), ("(b)", "Right.")]
    assert parent.image.width > 2 * 120  # the panels side by side in one picture
    assert parent.citing_paragraphs == ["In Fig. 1a we see."]


def test_minipages_with_their_own_captions_are_separate_figures():
    body = (
        "\\begin{figure}"
        "\\begin{minipage}{.45\\linewidth}\\includegraphics{l.png}\\caption{First.}\\label{fig:first}\\end{minipage}"
        "\\begin{minipage}{.45\\linewidth}\\includegraphics{r.png}\\caption{Second.}\\label{fig:second}\\end{minipage}"
        "\\end{figure}"
    )
    files = {"main.tex": document(body), "l.png": bundles.png_bytes(seed=1), "r.png": bundles.png_bytes(seed=2)}
    figures = by_label(latex(files))
    assert [(figure.number, figure.caption) for figure in figures.values()] == [("1", "First."), ("2", "Second.")]
    assert figures["fig:second"].image.data == bundles.png_bytes(seed=2)


def test_captionof_outside_a_float():
    body = "\\begin{center}\\includegraphics{a.png}\\captionof{figure}{Not floating.}\\label{fig:c}\\end{center}"
    extraction = latex({"main.tex": document(body, "\\usepackage{caption}"), "a.png": bundles.png_bytes()})
    assert [(figure.label, figure.caption) for figure in extraction.figures] == [("fig:c", "Not floating.")]


def test_several_image_files_without_panels_are_composed():
    body = "\\begin{figure}\\includegraphics{l.png}\\includegraphics{r.png}\\caption{Side by side.}\\end{figure}"
    files = {"main.tex": document(body), "l.png": bundles.png_bytes(seed=1), "r.png": bundles.png_bytes(seed=2)}
    [composed] = latex(files).figures
    assert composed.image.width > 240 and composed.warnings == ["composed from 2 image files"]


def test_books_number_figures_per_chapter():
    body = (
        "\\chapter{One}"
        + figure("a.png", "A.", "fig:a")
        + "\\chapter{Two}"
        + figure("a.png", "B.", "fig:b")
        + figure("a.png", "C.", "fig:c")
        + "\\appendix\\chapter{Extra}"
        + figure("a.png", "D.", "fig:d")
    )
    extraction = latex({"main.tex": document(body).replace("article", "book"), "a.png": bundles.png_bytes()})
    assert [figure.number for figure in extraction.figures] == ["1.1", "2.1", "2.2", "A.1"]


# --- caption text ---------------------------------------------------------------------------------------------


def test_caption_text_math_macros_and_citations_read_as_a_reader_sees_them():
    preamble = (
        "\\newcommand{\\method}{DeepFlow}\n\\newcommand{\\vect}[1]{\\mathbf{#1}}\n\\def\\eg{e.g.}\n"
        "\\newcommand{\\unit}[2][m]{#2\\,#1}"
    )
    caption = (
        "\\method{} at $\\alpha = 10^{-3}$, $R^2 = 0.9$, $\\rho^{n}_{0}$, $T = 300^\\circ$C, \\eg\\ $\\vect{x}_1$ "
        "over \\unit{5} and \\unit[s]{2}, as in \\cite{smith,jones} and \\texttt{code.py}."
    )
    body = "Earlier work \\cite{jones}." + figure("a.png", caption)
    text = latex({"main.tex": document(body, preamble), "a.png": bundles.png_bytes()}).figures[0].caption
    assert text == "DeepFlow at α = 10⁻³, R² = 0.9, ρⁿ₀, T = 300°C, e.g. x₁ over 5 m and 2 s, as in [2, 1] and code.py."


def test_citations_use_the_bibliography_labels_when_the_bbl_has_them():
    bbl = "\\begin{thebibliography}{2}\n\\bibitem[Smith et~al.(2020)]{smith} A.\n\\bibitem[Lee(2019)]{lee} B.\n"
    body = figure("a.png", "As \\citet{smith} showed, not \\citep{lee}.")
    caption = latex({"main.tex": document(body), "main.bbl": bbl, "a.png": bundles.png_bytes()}).figures[0].caption
    assert caption == "As Smith et al. (2020) showed, not (Lee, 2019)."


# --- images -------------------------------------------------------------------------------------------------------


def test_png_and_jpeg_are_kept_byte_for_byte_and_pdf_is_rasterised():
    body = figure("a.png", "PNG.", "fig:png") + figure("b.jpg", "JPEG.", "fig:jpg") + figure("c.pdf", "PDF.", "fig:pdf")
    files = {"main.tex": document(body), "a.png": bundles.png_bytes(), "b.jpg": bundles.jpeg_bytes()}
    files["c.pdf"] = bundles.pdf_figure_bytes()
    figures = by_label(latex(files))
    assert figures["fig:png"].image.data == bundles.png_bytes()
    assert figures["fig:jpg"].image.data == bundles.jpeg_bytes()
    assert figures["fig:pdf"].image.format == "png" and figures["fig:pdf"].image.width == round(200 * 150 / 72)


def test_pdf_page_and_angle_options_are_honoured():
    import pymupdf

    document_ = pymupdf.open()
    document_.new_page(width=100, height=50)
    document_.new_page(width=200, height=100).draw_rect(pymupdf.Rect(10, 10, 190, 90), fill=(1, 0, 0))
    body = "\\begin{figure}\\includegraphics[page=2,angle=90]{multi.pdf}\\caption{Second page, turned.}\\end{figure}"
    image = latex({"main.tex": document(body), "multi.pdf": document_.tobytes()}).figures[0].image
    assert image.width == pytest.approx(100 * 150 / 72, abs=1) and image.height == pytest.approx(200 * 150 / 72, abs=1)


def test_eps_figures_go_through_ghostscript():
    assert shutil.which("gs"), "Ghostscript (gs) is not installed: run `make install` (it installs it with apt-get)"
    body = "\\begin{figure}\\epsfig{file=plot.eps,width=5cm}\\caption{Through epsfig.}\\end{figure}" + (
        "\\begin{figure}\\epsfbox{plot.eps}\\caption{Through epsfbox.}\\end{figure}"
        "\\begin{figure}\\psfig{figure=plot.eps}\\caption{Through psfig.}\\end{figure}"
    )
    extraction = latex({"main.tex": document(body), "plot.eps": eps_bytes()})
    assert [figure.caption for figure in extraction.figures] == [
        "Through epsfig.",
        "Through epsfbox.",
        "Through psfig.",
    ]
    with Image.open(io.BytesIO(extraction.figures[0].image.data)) as image:
        pixels = image.convert("RGB")
        assert pixels.size == (round(120 * 150 / 72), round(90 * 150 / 72))  # -dEPSCrop: the bounding box only
        assert pixels.getpixel((pixels.width // 2, pixels.height // 3))[2] > 150  # the blue rectangle is drawn


def test_tikz_placeholders_missing_and_broken_files_are_quarantined_never_blank():
    body = (
        "\\begin{figure}\\begin{tikzpicture}\\draw (0,0)--(1,1);\\end{tikzpicture}"
        "\\caption{TikZ.}\\label{fig:tikz}\\end{figure}"
        "\\begin{figure}\\fbox{\\rule{0pt}{2in}}\\caption{Placeholder.}\\label{fig:box}\\end{figure}"
        + figure("gone.png", "Missing.", "fig:gone")
        + figure("broken.png", "Broken.", "fig:broken")
        + "\\begin{figure}\\includegraphics{a.png}\\end{figure}"
    )
    files = {"main.tex": document(body), "broken.png": b"\x89PNG not really", "a.png": bundles.png_bytes()}
    extraction = latex(files)
    assert extraction.figures == []
    assert [(problem.figure_key, problem.reason) for problem in extraction.problems] == [
        ("fig:tikz", "drawn_in_latex"),
        ("fig:box", "no_graphics"),
        ("fig:gone", "missing_file"),
        ("fig:broken", "unusable_image"),
        ("figure-5", "no_caption"),
    ]


def test_graphic_outside_the_graphics_path_is_found_by_name_with_a_warning():
    files = {"tex/main.tex": document(figure("plot", "Flattened upload."), "\\graphicspath{{../build/}}")}
    files["figures/plot.png"] = bundles.png_bytes()
    [found] = latex(files).figures
    assert found.warnings == ["graphic 'plot' found as figures/plot.png, outside the graphics path"]


# --- citation contexts ------------------------------------------------------------------------------------------


def test_citing_paragraphs_from_every_reference_style_and_plain_text_mentions():
    preamble = "\\usepackage{cleveref}\\newcommand{\\figref}[1]{Fig.~\\ref{#1}}"
    body = (
        figure("a.png", "First.", "fig:a")
        + figure("a.png", "Second.", "fig:b")
        + "\n\nWith ref: \\ref{fig:a}.\n\nWith cref: \\cref{fig:a}.\n\nWith Cref: \\Cref{fig:a,fig:b}.\n\n"
        "With autoref: \\autoref{fig:a}.\n\nWith a macro: \\figref{fig:a}.\n\nIn plain text: Figure 1 again.\n\n"
        "Only the second: Fig. 2.\n\nUnrelated: Table 1 and Figure 12."
    )
    figures = by_label(latex({"main.tex": document(body, preamble), "a.png": bundles.png_bytes()}))
    assert figures["fig:a"].citing_paragraphs == [
        "With ref: 1.",
        "With cref: fig. 1.",
        "With Cref: Figs. 1 and 2.",
        "With autoref: Figure 1.",
        "With a macro: Fig. 1.",
        "In plain text: Figure 1 again.",
    ]
    assert figures["fig:b"].citing_paragraphs == ["With Cref: Figs. 1 and 2.", "Only the second: Fig. 2."]


def test_supplementary_figures_numbered_s1_are_flagged():
    body = (
        figure("a.png", "Main.", "fig:main")
        + "\\section*{Supplementary}\\setcounter{figure}{0}\\renewcommand{\\thefigure}{S\\arabic{figure}}"
        + figure("a.png", "Extra.", "fig:extra")
        + " See Fig.~\\ref{fig:extra}."
    )
    figures = by_label(latex({"main.tex": document(body), "a.png": bundles.png_bytes()}))
    assert (figures["fig:main"].number, figures["fig:main"].supplementary) == ("1", False)
    assert (figures["fig:extra"].number, figures["fig:extra"].supplementary) == ("S1", True)
    assert figures["fig:extra"].citing_paragraphs[-1].endswith("See Fig. S1.")
