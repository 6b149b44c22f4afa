"""Figures, captions and citing paragraphs from JATS XML packages (bioRxiv/medRxiv MECA, PMC, a bare XML)."""

from __future__ import annotations

import posixpath
import re

from lxml import etree

from s1mm_assets.lib.extract.bundle import BundleFiles
from s1mm_assets.lib.extract.images import RASTER_SUFFIXES, UnusableImage, figure_image_from_file
from s1mm_assets.lib.extract.records import ExtractedFigure, Extraction, FigureProblem

XLINK = "{http://www.w3.org/1999/xlink}"
# PMC links graphics without an extension; these are the files it ships, best first.
_GRAPHIC_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".tif", ".tiff", ".pdf", ".eps")
_FLOATS_INSIDE_TEXT = ("fig", "table-wrap", "fig-group", "supplementary-material", "disp-formula")
# Elements that end a line when rendered; their text must not run into the next element's.
_BLOCKS = ("title", "p", "label", "list-item", "sec", "caption", "def-item", "term")


def extract_jats(bundle: BundleFiles, dpi: int = 150) -> Extraction:
    extraction = Extraction(extractor="jats")
    article_name = find_article_xml(bundle)
    if article_name is None:
        extraction.problems.append(FigureProblem("", "no_article_xml", "no JATS <article> in the package"))
        return extraction
    try:
        root = etree.fromstring(
            bundle.files[article_name], parser=etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
        )
    except etree.XMLSyntaxError as error:
        extraction.problems.append(FigureProblem("", "invalid_xml", str(error)))
        return extraction
    if root is None:
        extraction.problems.append(FigureProblem("", "invalid_xml", f"{article_name} holds no XML"))
        return extraction
    _read_front_matter(root, extraction)
    citing = _citing_paragraphs(root)
    folder = posixpath.dirname(article_name)
    for ordinal, fig in enumerate(root.iter("fig"), start=1):
        figure = _extract_fig(fig, ordinal, bundle, folder, dpi, extraction)
        if figure is not None:
            figure.citing_paragraphs = citing.get(fig.get("id") or "", [])
            extraction.figures.append(figure)
    return extraction


def find_article_xml(bundle: BundleFiles) -> str | None:
    for name in bundle.names_with_suffix(".nxml", ".xml"):
        if re.search(rb"<article[\s>]", bundle.files[name][:4096]):
            return name
    return None


def text_of(element: etree._Element | None) -> str:
    """Readable text of an element, leaving out floats (figures, tables) nested inside paragraphs."""
    if element is None:
        return ""
    pieces = []

    def walk(node: etree._Element) -> None:
        if isinstance(node.tag, str) and node.tag in _FLOATS_INSIDE_TEXT and node is not element:
            if node.tail:
                pieces.append(node.tail)
            return
        if node.text and isinstance(node.tag, str):
            pieces.append(node.text)
        for child in node:
            walk(child)
        if isinstance(node.tag, str) and node.tag in _BLOCKS:
            pieces.append(" ")
        if node.tail and node is not element:
            pieces.append(node.tail)

    walk(element)
    return re.sub(r"\s+", " ", "".join(pieces)).strip()


def _read_front_matter(root: etree._Element, extraction: Extraction) -> None:
    meta = root.find("front/article-meta")
    if meta is None:
        return
    extraction.title = text_of(meta.find("title-group/article-title"))
    abstract = meta.find("abstract")
    extraction.abstract = text_of(abstract)
    doi = meta.find("article-id[@pub-id-type='doi']")
    extraction.doi = text_of(doi)
    license_element = meta.find("permissions/license")
    if license_element is not None:
        extraction.license = (
            license_element.get(f"{XLINK}href") or license_element.get("license-type") or text_of(license_element)
        )


def _extract_fig(
    fig: etree._Element, ordinal: int, bundle: BundleFiles, folder: str, dpi: int, extraction: Extraction
) -> ExtractedFigure | None:
    fig_id = fig.get("id")
    key = fig_id or f"figure-{ordinal}"
    label = text_of(fig.find("label"))
    caption_element = fig.find("caption")
    caption = text_of(caption_element)
    if not caption:
        extraction.problems.append(FigureProblem(key, "no_caption", "<fig> without caption text"))
        return None
    graphic = fig.find(".//graphic")
    href = graphic.get(f"{XLINK}href") if graphic is not None else None
    if not href:
        extraction.problems.append(FigureProblem(key, "no_graphics", "<fig> without <graphic xlink:href>"))
        return None
    name = _resolve_graphic(bundle, folder, href)
    if name is None:
        extraction.problems.append(FigureProblem(key, "missing_file", f"graphic '{href}' is not in the package"))
        return None
    try:
        image = figure_image_from_file(name, bundle.files[name], dpi=dpi)
    except UnusableImage as error:
        extraction.problems.append(FigureProblem(key, "unusable_image", f"{name}: {error}"))
        return None
    number = re.search(r"([Ss]?\d+[A-Za-z]?)", label)
    return ExtractedFigure(
        figure_key=key,
        label=fig_id,
        number=number.group(1) if number else str(ordinal),
        caption=caption,
        image=image,
        extractor="jats",
    )


def _resolve_graphic(bundle: BundleFiles, folder: str, href: str) -> str | None:
    href = href.split("#")[0]
    for base in (posixpath.normpath(posixpath.join(folder, href)), posixpath.normpath(href)):
        if base in bundle.files:
            return base
        for extension in _GRAPHIC_EXTENSIONS:
            if base + extension in bundle.files:
                return base + extension
    stem = posixpath.splitext(posixpath.basename(href))[0]
    for name in sorted(bundle.files):
        if posixpath.splitext(posixpath.basename(name))[0] == stem and name.lower().endswith(
            RASTER_SUFFIXES + (".pdf", ".eps")
        ):
            return name
    return None


def _citing_paragraphs(root: etree._Element) -> dict[str, list[str]]:
    """fig id -> the text of every body paragraph that cites it through <xref ref-type="fig">."""
    citing: dict[str, list[str]] = {}
    body = root.find("body")
    if body is None:
        return citing
    for paragraph in body.iter("p"):
        if paragraph.getparent() is not None and paragraph.getparent().tag == "caption":
            continue
        cited = {
            rid
            for xref in paragraph.iter("xref")
            if xref.get("ref-type") == "fig"
            for rid in (xref.get("rid") or "").split()
        }
        if cited:
            text = text_of(paragraph)
            for rid in sorted(cited):
                citing.setdefault(rid, []).append(text)
    return citing
