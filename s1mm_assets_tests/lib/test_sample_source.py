"""The sample backend: reproducible bundles in each source's real format, with ground truth that matches them."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import unicodedata
import zipfile

import numpy as np
import pymupdf
import pytest
from lxml import etree
from PIL import Image
from pylatexenc.latex2text import LatexNodes2Text

from s1mm_assets.lib.sources.base import SOURCES, PaperSourceBackend
from s1mm_assets.lib.sources.sample import ExpectedFigure, GeneratedPaper, SampleSource
from s1mm_assets.lib.sources.sample.figures import _make_scatter
from s1mm_assets.lib.sources.sample.topics import Axis, ScatterVocab

MONTH = "2024-03"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
FIGURE_KINDS = {"line_plot", "scatter", "bar_chart", "heatmap", "micrograph", "diagram", "multi_panel"}


@pytest.fixture(scope="module")
def partitions() -> dict[str, list[GeneratedPaper]]:
    # Six arXiv papers so the scheduled quirks (subfigures at index 1, a broken figure at index 4) appear;
    # three of every other source keep the module fast.
    return {
        source: SampleSource(papers_per_partition=6 if source == "arxiv" else 3).generate(source, MONTH)
        for source in SOURCES
    }


def normalise(text: str) -> str:
    """Compare text as read: Unicode compatibility forms, LaTeX sub/superscript markers dropped, one space."""
    text = unicodedata.normalize("NFKC", text).replace("∘", "°").replace("−", "-")
    return " ".join(re.sub(r"[\^_{}]", "", text).split())


def assert_image_not_blank(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    image.load()
    pixels = np.asarray(image.convert("RGB"))
    assert pixels.shape[1] >= 300
    assert pixels.std() > 15
    assert len(np.unique(pixels.reshape(-1, 3)[::37], axis=0)) >= 8


def pdf_text(page: pymupdf.Page) -> str:
    # Lines break after hyphens and slashes ("zeolite-" / "supported"); the words run on without a space.
    return re.sub(r"(?<=[-/])\n", "", page.get_text())


def pdf_page_png(data: bytes) -> bytes:
    with pymupdf.open("pdf", data) as document:
        return document[0].get_pixmap(dpi=72).tobytes("png")


# -- the backend ----------------------------------------------------------------------------------------------


def test_is_a_paper_source_backend():
    assert isinstance(SampleSource(), PaperSourceBackend)
    assert SampleSource.name == "sample"


def test_same_partition_gives_identical_bytes(partitions):
    backend = SampleSource()
    for source in SOURCES:
        index = 1 if source == "arxiv" else 0
        again = backend.generate_paper(source, MONTH, index)
        first = partitions[source][index]
        assert again.bundle == first.bundle
        assert again.figures == first.figures


def test_bundles_are_identical_in_a_fresh_process(partitions):
    script = (
        "import hashlib, json\n"
        "from s1mm_assets.lib.sources.sample import SampleSource\n"
        "backend = SampleSource()\n"
        f"keys = [('arxiv', '{MONTH}', 4), ('chemrxiv', '{MONTH}', 1)]\n"
        "print(json.dumps([hashlib.sha256(backend.generate_paper(*key).bundle.content).hexdigest() for key in keys]))\n"
    )
    environment = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=environment, check=True)
    expected = [
        hashlib.sha256(partitions[source][index].bundle.content).hexdigest()
        for source, index in (("arxiv", 4), ("chemrxiv", 1))
    ]
    assert json.loads(result.stdout) == expected


def test_other_months_and_sources_give_other_papers(partitions):
    backend = SampleSource()
    next_month = backend.generate_paper("chemrxiv", "2024-04", 0).bundle
    assert next_month.content != partitions["chemrxiv"][0].bundle.content
    assert next_month.metadata.published.startswith("2024-04")
    first_bundles = [partitions[source][0].bundle for source in SOURCES]
    assert len({bundle.content for bundle in first_bundles}) == len(SOURCES)
    assert len({bundle.paper_id for papers in partitions.values() for bundle in (p.bundle for p in papers)}) == sum(
        len(papers) for papers in partitions.values()
    )


def test_papers_per_partition_is_honoured(partitions):
    assert list(SampleSource(papers_per_partition=0).papers("medrxiv", MONTH)) == []
    bundles = list(SampleSource(papers_per_partition=1).papers("medrxiv", MONTH))
    # A paper does not depend on how many others share its partition.
    assert bundles == [partitions["medrxiv"][0].bundle]
    assert len(partitions["arxiv"]) == 6


@pytest.mark.parametrize(("source", "month"), [("pubmed", MONTH), ("arxiv", "2024-13"), ("arxiv", "March 2024")])
def test_rejects_unknown_partitions(source, month):
    with pytest.raises(ValueError):
        SampleSource().generate_paper(source, month, 0)


# -- metadata -------------------------------------------------------------------------------------------------

ID_PATTERNS = {
    "arxiv": r"arxiv:2403\.\d{5}",
    "biorxiv": r"biorxiv:10\.1101/2024\.03\.\d\d\.\d{6}",
    "medrxiv": r"medrxiv:10\.1101/2024\.03\.\d\d\.\d{8}",
    "chemrxiv": r"chemrxiv:10\.26434/chemrxiv-2024-[a-z0-9]{5}",
    "nature_communications": r"nature_communications:PMC\d{7}",
}
LICENSES = {
    "arxiv": {"http://arxiv.org/licenses/nonexclusive-distrib/1.0/", "http://creativecommons.org/licenses/by/4.0/"},
    "biorxiv": {"CC-BY 4.0", "CC-BY-NC-ND 4.0", "CC0", "none"},
    "medrxiv": {"CC-BY 4.0", "CC-BY-NC-ND 4.0", "CC0", "none"},
    "chemrxiv": {"CC BY 4.0", "CC BY-NC 4.0"},
    "nature_communications": {"CC BY 4.0"},
}


@pytest.mark.parametrize("source", SOURCES)
def test_metadata_looks_like_the_source(partitions, source):
    for paper in partitions[source]:
        bundle, metadata = paper.bundle, paper.bundle.metadata
        assert re.fullmatch(ID_PATTERNS[source], bundle.paper_id)
        assert (bundle.source, bundle.month) == (source, MONTH)
        assert metadata.published.startswith(f"{MONTH}-")
        assert metadata.license in LICENSES[source]
        assert metadata.title and len(metadata.authors) >= 2 and metadata.categories
        assert 100 <= len(metadata.abstract.split()) <= 220
        assert metadata.doi and metadata.url.startswith("https://")
        if source == "nature_communications":
            assert re.fullmatch(rf"10\.1038/s41467-{MONTH[1:4]}-\d{{5}}-\d", metadata.doi)


def test_ground_truth_is_complete(partitions):
    captions = []
    for papers in partitions.values():
        for paper in papers:
            assert 2 <= len(paper.figures) <= 5
            assert [figure.number for figure in paper.figures] == [str(n) for n in range(1, len(paper.figures) + 1)]
            for figure in paper.figures:
                assert isinstance(figure, ExpectedFigure)
                assert figure.figure_kind in FIGURE_KINDS
                assert 1 <= len(figure.citing_sentences) <= 3
                assert figure.extractable == (figure.problem is None)
                if figure.figure_kind == "micrograph" and figure.extractable:
                    assert figure.image_format == "jpg"
                captions.append(figure.caption)
    lengths = [len(caption) for caption in captions]
    assert min(lengths) < 110 and max(lengths) > 350  # short one-liners and long multi-sentence captions


# -- arXiv: LaTeX source -------------------------------------------------------------------------------------


def read_tar(content: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as archive:
        members = archive.getmembers()
        assert all(member.uid == 0 and member.uname == "" for member in members)
        return {member.name: archive.extractfile(member).read() for member in members}


def latex_tree(paper: GeneratedPaper) -> tuple[dict[str, bytes], str, str]:
    """Files of the bundle, main.tex, and main.tex with every \\input expanded."""
    files = read_tar(paper.bundle.content)
    main = files["main.tex"].decode()

    def expand(match: re.Match) -> str:
        name = match[1] if match[1].endswith(".tex") else f"{match[1]}.tex"
        return files[name].decode()

    return files, main, re.sub(r"\\input\{([^}]+)\}", expand, main)


def balanced(text: str, start: int) -> str:
    """The argument of the brace group opening at text[start]."""
    depth = 0
    for position in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[position], 0)
        if depth == 0:
            return text[start + 1 : position]
    raise AssertionError("unbalanced braces")


def latex_to_text(latex: str, macros: dict[str, str]) -> str:
    for name, body in macros.items():
        latex = latex.replace(f"\\{name}{{}}", body)
    return LatexNodes2Text().latex_to_text(latex)


def figure_environments(document: str) -> list[str]:
    return [match[0] for match in re.finditer(r"\\begin\{(figure\*?)\}.*?\\end\{\1\}", document, re.DOTALL)]


def resolve_graphics(reference: str, files: dict[str, bytes], graphicspath: bool) -> str | None:
    base = f"figures/{reference}" if graphicspath else reference
    candidates = [base] if "." in base.rsplit("/", 1)[-1] else [f"{base}.{ext}" for ext in ("pdf", "png", "jpg")]
    return next((candidate for candidate in candidates if candidate in files), None)


def test_arxiv_bundle_is_a_latex_source_tree(partitions):
    for paper in partitions["arxiv"]:
        assert paper.bundle.filename.endswith(".tar.gz")
        files, main, document = latex_tree(paper)
        assert main.startswith("\\documentclass") and "\\begin{document}" in main and "\\end{document}" in main
        assert "\\usepackage{graphicx,amsmath,subcaption}" in main
        assert "\\begin{abstract}" in main
        graphicspath = "\\graphicspath{{figures/}}" in main
        referenced = set()
        for line in document.splitlines():
            if line.lstrip().startswith("%"):
                continue
            for reference in re.findall(r"\\includegraphics(?:\[[^\]]*\])?\{([^}]+)\}", line):
                resolved = resolve_graphics(reference, files, graphicspath)
                if resolved is None:
                    assert any(figure.problem == "missing_file" for figure in paper.figures), reference
                else:
                    referenced.add(resolved)
        expected_paths = {path for figure in paper.figures for path in figure.image_paths}
        assert referenced == expected_paths
        images = {name for name in files if name.startswith("figures/")}
        assert images - referenced <= {"figures/old_draft.png"}
        if "figures/old_draft.png" in images:
            assert re.search(r"^\s*% \\includegraphics\{(figures/)?old_draft\}", document, re.MULTILINE)


def test_arxiv_captions_read_as_the_ground_truth(partitions):
    for paper in partitions["arxiv"]:
        _, main, document = latex_tree(paper)
        macros = {name: body for name, body in re.findall(r"\\newcommand\{\\(\w+)\}\{(.*)\}", main)}
        environments = {
            re.search(r"\\label\{(fig:[^}]+)\}\s*\\end\{figure", env)[1]: env for env in figure_environments(document)
        }
        assert list(environments) == [figure.label for figure in paper.figures]
        for figure in paper.figures:
            environment = environments[figure.label]
            caption_starts = [match.end() - 1 for match in re.finditer(r"\\caption\{", environment)]
            caption = balanced(environment, caption_starts[-1])
            assert normalise(latex_to_text(caption, macros)) == normalise(figure.caption)
            subcaptions = [
                normalise(latex_to_text(balanced(environment, start), macros)) for start in caption_starts[:-1]
            ]
            assert subcaptions == [normalise(text) for text in figure.subcaptions]


def test_arxiv_body_cites_every_figure(partitions):
    for paper in partitions["arxiv"]:
        _, main, document = latex_tree(paper)
        macros = {name: body for name, body in re.findall(r"\\newcommand\{\\(\w+)\}\{(.*)\}", main)}
        body = document[document.index("\\end{abstract}") :]
        for environment in figure_environments(body):
            body = body.replace(environment, "")
        citations = re.findall(r"\\ref\{(fig:[^}]+)\}", body)
        assert len(citations) == sum(len(figure.citing_sentences) for figure in paper.figures)
        numbers = {figure.label: figure.number for figure in paper.figures}
        numbered = re.sub(r"\\ref\{([^}]+)\}", lambda match, numbers=numbers: numbers[match[1]], body)
        text = normalise(latex_to_text(numbered, macros))
        for figure in paper.figures:
            assert figure.label in citations
            for sentence in figure.citing_sentences:
                assert normalise(sentence) in text
        assert text.count(". ") > 2 * len(citations)  # most sentences do not cite a figure


def test_arxiv_partition_shows_the_scheduled_quirks(partitions):
    papers = partitions["arxiv"]
    subfigure_paper = papers[1]
    assert "\\begin{subfigure}" in latex_tree(subfigure_paper)[2]
    assert any(len(figure.image_paths) >= 2 and figure.subcaptions for figure in subfigure_paper.figures)

    broken = [figure for paper in papers for figure in paper.figures if not figure.extractable]
    assert [figure.problem for figure in broken] == ["tikz"]
    environment = next(env for env in figure_environments(latex_tree(papers[4])[2]) if broken[0].label in env)
    code = "\n".join(line for line in environment.splitlines() if not line.lstrip().startswith("%"))
    assert "\\begin{tikzpicture}" in code and "\\includegraphics" not in code
    assert broken[0].image_format is None and broken[0].image_paths == ()


def test_arxiv_missing_figure_file_alternates_with_tikz():
    paper = SampleSource().generate_paper("arxiv", "2024-04", 4)
    files, _, document = latex_tree(paper)
    missing = [figure for figure in paper.figures if figure.problem == "missing_file"]
    assert len(missing) == 1 and not missing[0].extractable
    environment = next(env for env in figure_environments(document) if missing[0].label in env)
    reference = re.search(r"\\includegraphics(?:\[[^\]]*\])?\{([^}]+)\}", environment)[1]
    assert resolve_graphics(reference, files, "\\graphicspath{{figures/}}" in document) is None


def test_arxiv_figure_files_are_real_images(partitions):
    for paper in partitions["arxiv"]:
        files = read_tar(paper.bundle.content)
        for figure in paper.figures:
            for path in figure.image_paths:
                data = files[path]
                assert path.endswith(f".{figure.image_format}") or len(figure.image_paths) > 1
                if path.endswith(".pdf"):
                    assert_image_not_blank(pdf_page_png(data))
                else:
                    assert_image_not_blank(data)
                    assert 600 <= Image.open(io.BytesIO(data)).width <= 1000


# -- bioRxiv / medRxiv: MECA packages with JATS ---------------------------------------------------------------


def figure_caption_text(fig: etree._Element) -> str:
    return " ".join("".join(part.itertext()) for part in fig.find("caption"))


def check_jats_article(article: etree._Element, paper: GeneratedPaper, image_hrefs: set[str]) -> None:
    """Ground truth matches the article; `image_hrefs` are the graphic references whose files are packaged."""
    assert article.tag == "article"
    assert article.nsmap["xlink"] == "http://www.w3.org/1999/xlink"
    assert article.findtext(".//article-meta/article-id[@pub-id-type='doi']") == paper.bundle.metadata.doi
    assert article.findtext(".//article-title") == paper.bundle.metadata.title
    assert article.find(".//permissions/license") is not None
    figures = article.findall(".//body//fig")
    assert [fig.get("id") for fig in figures] == [figure.label for figure in paper.figures]
    for fig, figure in zip(figures, paper.figures, strict=True):
        assert normalise(figure_caption_text(fig)) == normalise(figure.caption)
        assert fig.find("graphic").get(XLINK_HREF) in image_hrefs
    paragraphs = article.xpath("//body//p[not(ancestor::fig)]")
    body = normalise(" ".join("".join(p.itertext()) for p in paragraphs))
    xrefs = [xref.get("rid") for p in paragraphs for xref in p.iter("xref")]
    assert len(xrefs) == sum(len(figure.citing_sentences) for figure in paper.figures)
    for figure in paper.figures:
        assert figure.label in xrefs
        for sentence in figure.citing_sentences:
            assert normalise(sentence) in body


@pytest.mark.parametrize("source", ["biorxiv", "medrxiv"])
def test_preprint_bundle_is_a_meca_package(partitions, source):
    for paper in partitions[source]:
        assert paper.bundle.filename.endswith(".zip")
        with zipfile.ZipFile(io.BytesIO(paper.bundle.content)) as package:
            names = set(package.namelist())
            manifest = etree.fromstring(package.read("manifest.xml"))
            listed = {instance.get("href") for instance in manifest.iter("{http://manuscriptexchange.org}instance")}
            assert listed == names - {"manifest.xml"}
            article_name = next(name for name in names if name.startswith("content/") and name.endswith(".xml"))
            article = etree.fromstring(package.read(article_name))
            collection = article.findtext(".//subj-group[@subj-group-type='hwp-journal-coll']/subject")
            assert collection == paper.bundle.metadata.categories[0]
            check_jats_article(article, paper, {name.removeprefix("content/") for name in names})
            for figure in paper.figures:
                (path,) = figure.image_paths
                assert path.endswith(".large.jpg") and figure.image_format == "jpg"
                assert_image_not_blank(package.read(path))


def test_nature_bundle_is_a_pmc_package(partitions):
    for paper in partitions["nature_communications"]:
        files = read_tar(paper.bundle.content)
        pmc_id = paper.bundle.paper_id.split(":")[1]
        assert all(name.startswith(f"{pmc_id}/") for name in files)
        (nxml,) = [name for name in files if name.endswith(".nxml")]
        article = etree.fromstring(files[nxml])
        assert article.findtext(".//article-id[@pub-id-type='pmc']") == pmc_id.removeprefix("PMC")
        license_ = article.find(".//license")
        assert license_.get("license-type") == "open-access"
        assert license_.get(XLINK_HREF) == "http://creativecommons.org/licenses/by/4.0/"
        assert [kwd.text for kwd in article.iter("kwd")] == list(paper.bundle.metadata.categories)
        for graphic in article.iter("graphic"):
            assert not graphic.get(XLINK_HREF).endswith(".jpg")  # PMC style: no extension
        packaged = {name.removeprefix(f"{pmc_id}/").removesuffix(".jpg") for name in files if name.endswith(".jpg")}
        check_jats_article(article, paper, packaged)
        for xref in article.xpath("//body//p[not(ancestor::fig)]//xref"):
            assert re.fullmatch(r"\d+[a-h]?", xref.text)
            preceding = (xref.getprevious().tail if xref.getprevious() is not None else xref.getparent().text) or ""
            assert preceding.endswith("Fig. ")
        for figure in paper.figures:
            assert_image_not_blank(files[figure.image_paths[0]])


# -- ChemRxiv: PDF --------------------------------------------------------------------------------------------


def test_chemrxiv_bundle_is_a_typeset_pdf(partitions):
    for paper in partitions["chemrxiv"]:
        assert paper.bundle.filename.endswith(".pdf")
        with pymupdf.open(stream=paper.bundle.content, filetype="pdf") as document:
            assert 3 <= document.page_count <= 6
            # Dated by the paper, not by the clock of the machine that generated it.
            assert document.metadata["creationDate"].startswith("D:" + paper.bundle.metadata.published.replace("-", ""))
            text = normalise(" ".join(pdf_text(page) for page in document))
            assert normalise(paper.bundle.metadata.title) in text
            for figure in paper.figures:
                assert figure.label is None
                assert normalise(f"Figure {figure.number}. {figure.caption}") in text
                for sentence in figure.citing_sentences:
                    assert normalise(sentence) in text
                page = document[figure.page - 1]
                assert f"Figure {figure.number}." in normalise(pdf_text(page))
                if figure.image_format == "pdf":
                    assert len(page.get_drawings()) > 10
                else:
                    # The raster figure is the largest image on its page (vector plots embed small ones too).
                    largest = max(page.get_image_info(xrefs=True), key=lambda info: abs(pymupdf.Rect(info["bbox"])))
                    assert_image_not_blank(document.extract_image(largest["xref"])["image"])


def test_scatter_of_percentages_clipped_at_a_bound_reports_r_zero_not_nan():
    """A falling trend of percentages can sit at 100 % throughout; the figure and its caption then say
    r = 0.00 (no correlation to report) instead of printing "r = nan"."""
    vocab = ScatterVocab(Axis("dose", "mg"), Axis("viability", "%"), "wells", ("control",), slope_sign=-1)
    panels = [_make_scatter(vocab, np.random.default_rng(seed)) for seed in range(40)]
    saturated = [panel for panel in panels if np.ptp(np.concatenate(panel.y)) == 0]
    assert saturated, "no seed gave percentages all at the bound; the test would prove nothing"
    assert all(np.isfinite(panel.pearson_r) for panel in panels)
    assert all(panel.pearson_r == 0.0 for panel in saturated)
