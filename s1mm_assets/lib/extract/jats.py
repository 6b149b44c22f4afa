"""Figures, captions and citing paragraphs from JATS XML packages (bioRxiv/medRxiv MECA, PMC, a bare XML).

Each `<fig>` gives a figure: its `<label>`, its `<caption>` (title and paragraphs; failing that, the `<statement>`
or paragraphs it holds), its `<graphic xlink:href>` resolved to a file in the package (PMC leaves the extension
off). A `<fig-group>` is one figure whose member figures are its panels, kept as sub-figures with their own
captions; a `<fig>` with several graphics is composed from them. Figures inside `<supplementary-material>`, a
supplementary section, or labelled "Supplementary"/"Figure S1"/"Extended Data" are flagged as supplementary.
Citing paragraphs are the body paragraphs holding an `<xref ref-type="fig">` to the figure (or to one of its
panels).

When the package ships the article's PDF but not a figure's graphic files (a PMC article fetched as XML + PDF),
the figure's image is the same-numbered figure rendered from that PDF, with a warning saying so: once for the
whole figure, whatever number of graphics or panels it has, and only for figures labelled as figures (the PDF's
Figure 1 is not the XML's Scheme 1).
"""

from __future__ import annotations

import posixpath
import re

from lxml import etree

from s1mm_assets.lib.extract.bundle import BundleFiles
from s1mm_assets.lib.extract.images import RASTER_SUFFIXES, UnusableImage, compose_panels, figure_image_from_file
from s1mm_assets.lib.extract.records import ExtractedFigure, Extraction, FigureImage, FigureProblem, SubFigure

XLINK = "{http://www.w3.org/1999/xlink}"
# PMC links graphics without an extension; these are the files it ships, best first.
_GRAPHIC_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".tif", ".tiff", ".pdf", ".eps")
_FLOATS_INSIDE_TEXT = ("fig", "fig-group", "table-wrap", "table-wrap-group", "supplementary-material")
# Elements that end a line when rendered; their text must not run into the next element's.
_BLOCKS = ("title", "p", "label", "list-item", "sec", "caption", "def-item", "term")
_FROM_PDF = "image rendered from the PDF in the package"
# Labels of the figures the PDF extractor finds ("Figure 3", "Fig. S1", "Extended Data Fig. 2", or a bare number):
# a "Scheme 1" or "Chart 1" must not take the PDF's Figure 1.
_FIGURE_LABEL = re.compile(
    r"^\s*((supplementary|supplemental|suppl\.|extended\s+data)\s+)?(fig(ure)?\b|fig\.|\(?S?\d)", re.I
)
_SUPPLEMENTARY_LABEL = re.compile(
    r"^\s*(supplementary|supplemental|suppl\.|extended\s+data|figure\s+s\d|fig\.?\s*s\d)", re.I
)


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
    _strip_namespaces(root)
    _read_front_matter(root, extraction)
    citing = _citing_paragraphs(root)
    images = _ImageSource(bundle, posixpath.dirname(article_name), dpi)
    ordinal = 0
    for element in root.iter("fig", "fig-group"):
        if element.tag == "fig" and _ancestor(element, "fig-group") is not None:
            continue  # a panel of a figure group, extracted with its group
        ordinal += 1
        figure = _extract_figure(element, ordinal, images, extraction)
        if figure is not None:
            ids = [element.get("id")] + [panel.get("id") for panel in element.iter("fig") if panel is not element]
            figure.citing_paragraphs = _merge([citing.get(identifier or "", []) for identifier in ids])
            extraction.figures.append(figure)
    return extraction


def find_article_xml(bundle: BundleFiles) -> str | None:
    """The first XML whose root is <article> (MECA's manifest.xml and transfer.xml are not)."""
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


def _strip_namespaces(root: etree._Element) -> None:
    """JATS 1.3 articles may carry a default namespace; element names are matched without it."""
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = element.tag.split("}", 1)[1]


def _read_front_matter(root: etree._Element, extraction: Extraction) -> None:
    meta = root.find("front/article-meta")
    if meta is None:
        return
    extraction.title = text_of(meta.find("title-group/article-title"))
    abstract = next((element for element in meta.findall("abstract") if not element.get("abstract-type")), None)
    extraction.abstract = text_of(abstract if abstract is not None else meta.find("abstract"))
    doi = meta.find("article-id[@pub-id-type='doi']")
    extraction.doi = text_of(doi)
    license_element = meta.find("permissions/license")
    if license_element is not None:
        reference = license_element.find("{http://www.niso.org/schemas/ali/1.0/}license_ref")
        if reference is None:
            reference = license_element.find("license_ref")
        extraction.license = (
            license_element.get(f"{XLINK}href")
            or (text_of(reference) if reference is not None else "")
            or license_element.get("license-type")
            or text_of(license_element)
        )


def _extract_figure(
    element: etree._Element, ordinal: int, images: _ImageSource, extraction: Extraction
) -> ExtractedFigure | None:
    fig_id = element.get("id")
    key = fig_id or f"figure-{ordinal}"
    label = text_of(element.find("label"))
    caption = text_of(element.find("caption"))
    if not caption:
        # Some publishers put the legend of a figure without <caption> in a <statement> or a bare <p>.
        caption = " ".join(text_of(child) for child in element if child.tag in ("statement", "p")).strip()
    panels = [panel for panel in element.findall("fig")] if element.tag == "fig-group" else []
    if not caption and len(panels) == 1:
        caption = text_of(panels[0].find("caption"))
    if not caption:
        extraction.problems.append(FigureProblem(key, "no_caption", "<fig> without caption text"))
        return None
    number_match = re.search(r"((?:[A-Z]\.?)?\d+(?:\.\d+)*[A-Za-z]?)", label)
    supplementary = _is_supplementary(element, label)
    number = None
    if number_match:
        number = ("S" if supplementary and not number_match.group(1).startswith("S") else "") + number_match.group(1)
    hrefs = [graphic.get(f"{XLINK}href") for graphic in element.iter("graphic")]
    hrefs = [href for href in hrefs if href]
    if not hrefs:
        extraction.problems.append(FigureProblem(key, "no_graphics", "<fig> without <graphic xlink:href>"))
        return None
    warnings: list[str] = []
    names = [images.resolve(href) for href in hrefs]
    missing = [href for href, name in zip(hrefs, names, strict=True) if name is None]
    page, bbox = None, None
    if missing:
        # The PDF's figure shows the whole figure, every panel of it: it stands in once for all its graphics.
        from_pdf = images.from_pdf(number) if _FIGURE_LABEL.match(label) else None
        if from_pdf is None:
            extraction.problems.append(
                FigureProblem(key, "missing_file", f"graphic '{missing[0]}' is not in the package")
            )
            return None
        named = ", ".join(f"'{href}'" for href in missing)
        warnings.append(
            f"{_FROM_PDF}: graphic {named} is not in it"
            if len(missing) == 1
            else f"{_FROM_PDF}: graphics {named} are not in it"
        )
        loaded = [from_pdf.image]
        page, bbox = from_pdf.page, from_pdf.bbox
    else:
        loaded = []
        for name in names:
            image = images.load(name, key, extraction)
            if image is None:
                return None
            loaded.append(image)
    subfigures = [
        SubFigure(label=text_of(panel.find("label")), caption=text_of(panel.find("caption"))) for panel in panels
    ]
    if len(loaded) > 1:
        warnings.append(f"composed from {len(loaded)} graphics")
    return ExtractedFigure(
        figure_key=key,
        label=fig_id,
        number=number,
        caption=caption,
        image=compose_panels(loaded),
        extractor="jats",
        subfigures=[subfigure for subfigure in subfigures if subfigure.caption or subfigure.label],
        page=page,
        bbox=bbox,
        warnings=warnings,
        supplementary=supplementary,
    )


def _is_supplementary(element: etree._Element, label: str) -> bool:
    if _SUPPLEMENTARY_LABEL.match(label or ""):
        return True
    if _ancestor(element, "supplementary-material") is not None:
        return True
    section = _ancestor(element, "sec")
    while section is not None:
        if "supplementary" in (section.get("sec-type") or "").lower():
            return True
        section = _ancestor(section, "sec")
    return False


def _ancestor(element: etree._Element, tag: str) -> etree._Element | None:
    parent = element.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent


class _ImageSource:
    """Graphics from the package's files, or the same-numbered figure of the package's PDF."""

    def __init__(self, bundle: BundleFiles, folder: str, dpi: int):
        self.bundle, self.folder, self.dpi = bundle, folder, dpi
        self._pdf_figures: dict[str, ExtractedFigure] | None = None

    def resolve(self, href: str) -> str | None:
        return _resolve_graphic(self.bundle, self.folder, href)

    def load(self, name: str, key: str, extraction: Extraction) -> FigureImage | None:
        try:
            return figure_image_from_file(name, self.bundle.files[name], dpi=self.dpi)
        except UnusableImage as error:
            extraction.problems.append(FigureProblem(key, "unusable_image", f"{name}: {error}"))
            return None

    def from_pdf(self, number: str | None) -> ExtractedFigure | None:
        if number is None or not self.bundle.names_with_suffix(".pdf"):
            return None
        if self._pdf_figures is None:
            from s1mm_assets.lib.extract.pdf import extract_pdf

            pdf_only = BundleFiles({name: self.bundle.files[name] for name in self.bundle.names_with_suffix(".pdf")})
            self._pdf_figures = {figure.number or "": figure for figure in extract_pdf(pdf_only, self.dpi).figures}
        return self._pdf_figures.get(number)


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
        if _ancestor(paragraph, "caption") is not None or _ancestor(paragraph, "fig") is not None:
            continue
        cited = {
            rid
            for xref in paragraph.iter("xref")
            if xref.get("ref-type") == "fig" and _owner(xref, paragraph)
            for rid in (xref.get("rid") or "").split()
        }
        if cited:
            text = text_of(paragraph)
            for rid in sorted(cited):
                citing.setdefault(rid, []).append(text)
    return citing


def _owner(xref: etree._Element, paragraph: etree._Element) -> bool:
    """The xref belongs to this paragraph, not to a nested one (list items hold their own paragraphs)."""
    parent = xref.getparent()
    while parent is not None and parent is not paragraph:
        if parent.tag == "p" or parent.tag in _FLOATS_INSIDE_TEXT:
            return False
        parent = parent.getparent()
    return True


def _merge(lists: list[list[str]]) -> list[str]:
    merged: list[str] = []
    for paragraphs in lists:
        merged += [paragraph for paragraph in paragraphs if paragraph not in merged]
    return merged
