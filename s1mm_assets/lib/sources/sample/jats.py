"""JATS packages: bioRxiv/medRxiv MECA zips and PMC open-access tarballs of Nature Communications.

Both hold one JATS article and its figure images. bioRxiv links the whole "Figure 1" (`<xref>Figure 1</xref>`)
and names images `F1.large.jpg`; PMC files link only the number ("Fig. <xref>1a</xref>") and point
`<graphic xlink:href>` at a file name without extension, as PMC does.
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from s1mm_assets.lib.sources.sample import figures as figure_rendering
from s1mm_assets.lib.sources.sample.archives import tar_gz, zip_archive
from s1mm_assets.lib.sources.sample.expected import ExpectedFigure
from s1mm_assets.lib.sources.sample.identity import Identity
from s1mm_assets.lib.sources.sample.markup import append_jats, join, to_plain
from s1mm_assets.lib.sources.sample.paper import FigureBlock, PaperContent, PlannedFigure

XLINK = "http://www.w3.org/1999/xlink"
MATHML = "http://www.w3.org/1998/Math/MathML"
ALI = "http://www.niso.org/schemas/ali/1.0/"
MECA = "http://manuscriptexchange.org"

_BIORXIV_DOCTYPE = (
    '<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.2 '
    '20190208//EN" "JATS-archivearticle1.dtd">'
)
_PMC_DOCTYPE = (
    '<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD with '
    'MathML3 v1.3 20210610//EN" "JATS-archive-oasis-article1-3-mathml3.dtd">'
)

_LICENSE_URLS = {
    "CC-BY 4.0": "http://creativecommons.org/licenses/by/4.0/",
    "CC-BY-NC-ND 4.0": "http://creativecommons.org/licenses/by-nc-nd/4.0/",
    "CC0": "http://creativecommons.org/publicdomain/zero/1.0/",
}
_LICENSE_TEXT = {
    "CC-BY 4.0": "This pre-print is available under a Creative Commons License (Attribution 4.0 International), "
    "CC BY 4.0, as described at http://creativecommons.org/licenses/by/4.0/",
    "CC-BY-NC-ND 4.0": "This pre-print is available under a Creative Commons License (Attribution-NonCommercial-"
    "NoDerivs 4.0 International), CC BY-NC-ND 4.0, as described at "
    "http://creativecommons.org/licenses/by-nc-nd/4.0/",
    "CC0": "This pre-print is available under a Creative Commons License (CC0 1.0 Universal Public Domain "
    "Dedication), as described at http://creativecommons.org/publicdomain/zero/1.0/",
    "none": "The copyright holder for this preprint (which was not certified by peer review) is the author/funder. "
    "All rights reserved. No reuse allowed without permission.",
}
_NATURE_LICENSE_TEXT = (
    "Open Access This article is licensed under a Creative Commons Attribution 4.0 International License, which "
    "permits use, sharing, adaptation, distribution and reproduction in any medium or format, as long as you give "
    "appropriate credit to the original author(s) and the source, provide a link to the Creative Commons licence, "
    "and indicate if changes were made."
)


def write_meca_bundle(content: PaperContent, identity: Identity) -> tuple[bytes, list[ExpectedFigure]]:
    """A bioRxiv/medRxiv MECA zip: manifest.xml, content/<id>.xml and content/F<n>.large.jpg."""
    figure_ids = [f"F{index + 1}" for index in range(len(content.figures))]
    image_names = [f"{figure_id}.large.jpg" for figure_id in figure_ids]
    article = _article(content, identity, figure_ids, image_names, nature=False)
    article_name = identity.doi.rsplit(".", 1)[1]
    files = {f"content/{article_name}.xml": _serialise(article, _BIORXIV_DOCTYPE)}
    for figure, name in zip(content.figures, image_names, strict=True):
        files[f"content/{name}"] = figure_rendering.render(figure.spec, "jpg")
    files["manifest.xml"] = _manifest(article_name, image_names, content.title)
    expected = [
        _expected(figure, index, figure_ids[index], f"content/{image_names[index]}")
        for index, figure in enumerate(content.figures)
    ]
    return zip_archive(files, _month_start(identity)), expected


def write_pmc_bundle(content: PaperContent, identity: Identity) -> tuple[bytes, list[ExpectedFigure]]:
    """A PMC OA tarball: PMC<id>/<name>.nxml plus the figure JPEGs its extension-less hrefs point at."""
    year = identity.published.year
    stem = f"41467_{year}_{identity.article_number}"
    figure_ids = [f"Fig{index + 1}" for index in range(len(content.figures))]
    hrefs = [f"{stem}_{figure_id}_HTML" for figure_id in figure_ids]
    article = _article(content, identity, figure_ids, hrefs, nature=True)
    folder = identity.pmc_id
    files = {f"{folder}/41467_{year}_Article_{identity.article_number}.nxml": _serialise(article, _PMC_DOCTYPE)}
    for figure, href in zip(content.figures, hrefs, strict=True):
        files[f"{folder}/{href}.jpg"] = figure_rendering.render(figure.spec, "jpg")
    expected = [
        _expected(figure, index, figure_ids[index], f"{folder}/{hrefs[index]}.jpg")
        for index, figure in enumerate(content.figures)
    ]
    return tar_gz(files, _month_start(identity)), expected


def _month_start(identity: Identity) -> dt.datetime:
    return dt.datetime(identity.published.year, identity.published.month, 1)


def _expected(figure: PlannedFigure, index: int, figure_id: str, path: str) -> ExpectedFigure:
    return ExpectedFigure(
        number=str(index + 1),
        label=figure_id,
        caption=to_plain(figure.caption.rich),
        figure_kind=figure.spec.kind,
        image_format="jpg",
        citing_sentences=tuple(to_plain(sentence) for sentence in figure.citing),
        image_paths=(path,),
    )


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, {_attribute(key): value for key, value in attributes.items()})
    if text is not None:
        element.text = text
    return element


def _attribute(key: str) -> str:
    """Python keyword arguments to JATS attribute names: `pub_id_type` -> pub-id-type, `xlink_href` -> xlink:href."""
    if key.startswith("xlink_"):
        return f"{{{XLINK}}}{key.removeprefix('xlink_')}"
    if key == "xml_lang":
        return "{http://www.w3.org/XML/1998/namespace}lang"
    return key.replace("_", "-")


def _article(
    content: PaperContent, identity: Identity, figure_ids: list[str], hrefs: list[str], nature: bool
) -> etree._Element:
    namespaces = {"xlink": XLINK, "mml": MATHML, **({"ali": ALI} if nature else {})}
    article = etree.Element("article", nsmap=namespaces)
    article.set("article-type", "research-article" if nature else "article")
    article.set("dtd-version", "1.3" if nature else "1.2")
    article.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    front = _sub(article, "front")
    _journal_meta(front, content, nature)
    _article_meta(front, content, identity, nature)
    body = _sub(article, "body")
    paragraph_count = 0
    for section_index, section in enumerate(content.sections):
        sec = _sub(body, "sec", id=f"Sec{section_index + 1}" if nature else f"s{section_index + 1}")
        _sub(sec, "title", section.title)
        for block in section.blocks:
            if isinstance(block, FigureBlock):
                _figure(sec, content.figures[block.index], block.index, figure_ids, hrefs, nature)
                continue
            paragraph_count += 1
            p = _sub(sec, "p", id=f"Par{paragraph_count}") if nature else _sub(sec, "p")
            append_jats(p, join(*block), figure_ids, link_number_only=nature)
    _back(article, content)
    return article


def _journal_meta(front: etree._Element, content: PaperContent, nature: bool) -> None:
    meta = _sub(front, "journal-meta")
    if nature:
        _sub(meta, "journal-id", "Nat Commun", journal_id_type="nlm-ta")
        _sub(meta, "journal-id", "Nat Commun", journal_id_type="iso-abbrev")
        _sub(_sub(meta, "journal-title-group"), "journal-title", "Nature Communications")
        _sub(meta, "issn", "2041-1723", pub_type="epub")
        publisher = _sub(meta, "publisher")
        _sub(publisher, "publisher-name", "Nature Publishing Group UK")
        _sub(publisher, "publisher-loc", "London")
        return
    server = "bioRxiv" if content.source == "biorxiv" else "medRxiv"
    _sub(meta, "journal-id", server.upper(), journal_id_type="publisher-id")
    _sub(_sub(meta, "journal-title-group"), "journal-title", server)
    _sub(_sub(meta, "publisher"), "publisher-name", "Cold Spring Harbor Laboratory")


def _article_meta(front: etree._Element, content: PaperContent, identity: Identity, nature: bool) -> None:
    meta = _sub(front, "article-meta")
    published = identity.published
    if nature:
        _sub(meta, "article-id", identity.pmc_id.removeprefix("PMC"), pub_id_type="pmc")
        _sub(meta, "article-id", identity.article_number, pub_id_type="publisher-id")
    _sub(meta, "article-id", identity.doi, pub_id_type="doi")
    categories = _sub(meta, "article-categories")
    if nature:
        _sub(_sub(categories, "subj-group", subj_group_type="heading"), "subject", "Article")
    else:
        _sub(_sub(categories, "subj-group", subj_group_type="author-type"), "subject", "Regular Article")
        heading = "New Results" if content.source == "biorxiv" else content.categories[0]
        _sub(_sub(categories, "subj-group", subj_group_type="heading"), "subject", heading)
        for category in content.categories:
            _sub(_sub(categories, "subj-group", subj_group_type="hwp-journal-coll"), "subject", category)
    _sub(_sub(meta, "title-group"), "article-title", content.title)
    contributors = _sub(meta, "contrib-group")
    for position, author in enumerate(content.authors):
        contrib = _sub(contributors, "contrib", contrib_type="author")
        given, surname = author.split(" ", 1)
        name = _sub(contrib, "name")
        _sub(name, "surname", surname)
        _sub(name, "given-names", given)
        affiliation = position % len(content.affiliations) + 1
        rid = f"Aff{affiliation}" if nature else f"a{affiliation}"
        _sub(contrib, "xref", str(affiliation), ref_type="aff", rid=rid)
    for position, affiliation in enumerate(content.affiliations):
        aff = _sub(meta, "aff", id=f"Aff{position + 1}" if nature else f"a{position + 1}")
        _sub(aff, "label", str(position + 1))
        _sub(aff, "institution", affiliation)
    date = _sub(meta, "pub-date", pub_type="epub")
    _sub(date, "day", f"{published.day:02d}")
    _sub(date, "month", f"{published.month:02d}")
    _sub(date, "year", str(published.year))
    if nature:
        _sub(meta, "volume", str(published.year - 2009))
        _sub(meta, "elocation-id", identity.article_number)
    else:
        _sub(meta, "elocation-id", identity.doi.removeprefix("10.1101/"))
    permissions = _sub(meta, "permissions")
    if nature:
        _sub(permissions, "copyright-statement", f"© The Author(s) {published.year}")
        _sub(permissions, "copyright-year", str(published.year))
        license_ = _sub(
            permissions, "license", license_type="open-access", xlink_href="http://creativecommons.org/licenses/by/4.0/"
        )
        _sub(license_, f"{{{ALI}}}license_ref", "http://creativecommons.org/licenses/by/4.0/")
        _sub(license_, "license-p", _NATURE_LICENSE_TEXT)
    else:
        _sub(permissions, "copyright-statement", f"© {published.year}, Posted by Cold Spring Harbor Laboratory")
        _sub(permissions, "copyright-year", str(published.year))
        url = _LICENSE_URLS.get(identity.license)
        license_ = _sub(permissions, "license", xlink_href=url) if url else _sub(permissions, "license")
        _sub(license_, "license-p", _LICENSE_TEXT[identity.license])
    abstract = _sub(meta, "abstract", id="Abs1") if nature else _sub(meta, "abstract")
    if not nature:
        _sub(abstract, "title", "Abstract")
    append_jats(_sub(abstract, "p"), join(*content.abstract), [])
    if nature:
        keywords = _sub(meta, "kwd-group", kwd_group_type="npg-subject")
        _sub(keywords, "title", "Subject terms")
        for category in content.categories:
            _sub(keywords, "kwd", category)


def _figure(
    parent: etree._Element, figure: PlannedFigure, index: int, figure_ids: list[str], hrefs: list[str], nature: bool
) -> None:
    attributes = (
        {"id": figure_ids[index]}
        if nature
        else {"id": figure_ids[index], "position": "float", "fig_type": "figure", "orientation": "portrait"}
    )
    fig = _sub(parent, "fig", **attributes)
    _sub(fig, "label", f"Fig. {index + 1}" if nature else f"Figure {index + 1}.")
    caption = _sub(fig, "caption")
    append_jats(_sub(caption, "title"), figure.caption.title, figure_ids, link_number_only=nature)
    if figure.caption.details:
        append_jats(_sub(caption, "p"), join(*figure.caption.details), figure_ids, link_number_only=nature)
    if nature:
        _sub(fig, "graphic", xlink_href=hrefs[index], id=f"MO{index + 1}")
    else:
        _sub(fig, "graphic", xlink_href=hrefs[index])


def _back(article: etree._Element, content: PaperContent) -> None:
    back = _sub(article, "back")
    acknowledgements = _sub(back, "ack")
    _sub(acknowledgements, "title", "Acknowledgements")
    _sub(acknowledgements, "p", "We thank our colleagues for helpful discussions.")
    references = _sub(back, "ref-list")
    _sub(references, "title", "References")
    for number, author in enumerate(content.authors[:4], start=1):
        ref = _sub(references, "ref", id=f"c{number}")
        citation = _sub(ref, "mixed-citation", publication_type="journal")
        surname = author.split(" ", 1)[1]
        citation.text = (
            f"{surname}, {author[0]}. et al. A study of {content.topic.properties[number % 4]}. "
            f"J. {content.topic.field.title()} {10 + number}, {100 * number}–{100 * number + 12} "
            f"({2015 + number})."
        )


def _serialise(article: etree._Element, doctype: str) -> bytes:
    return etree.tostring(etree.ElementTree(article), xml_declaration=True, encoding="UTF-8", doctype=doctype)


def _manifest(article_name: str, image_names: list[str], title: str) -> bytes:
    manifest = etree.Element(f"{{{MECA}}}manifest", nsmap={None: MECA, "xlink": XLINK})
    manifest.set("manifest-version", "1")
    item = etree.SubElement(manifest, f"{{{MECA}}}item", {"type": "article", "id": "article"})
    etree.SubElement(item, f"{{{MECA}}}title").text = title
    etree.SubElement(
        item, f"{{{MECA}}}instance", {"media-type": "application/xml", "href": f"content/{article_name}.xml"}
    )
    for name in image_names:
        figure = etree.SubElement(manifest, f"{{{MECA}}}item", {"type": "figure", "id": name.split(".")[0]})
        etree.SubElement(figure, f"{{{MECA}}}instance", {"media-type": "image/jpeg", "href": f"content/{name}"})
    return etree.tostring(manifest, xml_declaration=True, encoding="UTF-8", pretty_print=True)
