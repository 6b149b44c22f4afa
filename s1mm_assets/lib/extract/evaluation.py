"""How good extraction is on real papers: figure-caption pairs against ground truth nobody on the team wrote.

- PDF against JATS: each PubMed Central article of `corpus/pdf-pmc-jats` has its publisher PDF and its JATS;
  the JATS figures (`figures_gt_from_jats.json`) are the truth for the PDF extractor. A predicted figure is a
  correct pair when its number is a JATS figure's and its caption is that figure's caption (similarity >= 0.6
  after normalisation); the caption matches when it is equal after normalisation.
- JATS: the same articles through the JATS extractor: every `<fig>` found (extracted or quarantined with a
  reason), with an image, and the JATS's citing paragraphs recovered.
- LaTeX trees: every captioned figure environment of the compiled document (counted here independently, with
  plain regular expressions) comes out with a decodable image and the right caption, or is in quarantine with
  a reason; where the tree ships its compiled PDF, the caption is checked against the PDF's caption.
- Odd bundles (`latex-arxiv-filemanager`): every bundle processes without an unhandled exception.
- PDF development sets for the extractor's rules, each split into a half to tune on and a half to report
  (`split_halves`, fixed by a hash of each paper's name): the PMC pairs above; PDFs of the LaTeX trees that ship
  their compiled PDF, against the figures the LaTeX extractor finds; `pdf-deepfigures`, whose annotation also
  gives each figure's box (box overlap, IoU); and the corpus PDFs without any figure truth, whose figure numbers
  and pages were annotated by hand (`bench/data/pdf_figure_pages.json`): there a figure is right when its
  number and page are, and figures made of text alone count neither way.

Normalisation for caption comparison: Unicode compatibility forms (NFKC), lower case, one kind of dash and
quote, no whitespace at all (line breaks, hyphenation spaces and JATS title/paragraph joins differ between a
PDF and its XML), no trailing full stop.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import io
import json
import posixpath
import re
import time
import traceback
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

from s1mm_assets.lib.context import figure_numbers_mentioned, split_sentences
from s1mm_assets.lib.extract import BundleFiles, Extraction, detect_kind, extract_files, open_bundle
from s1mm_assets.lib.extract.bundle import read_folder

PAIR_SIMILARITY = 0.6
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"})
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2032": "'"})


def normalise_caption(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").translate(_DASHES).translate(_QUOTES).lower()
    text = re.sub(r"\s+", "", text)
    return text.rstrip(".")


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalise_caption(a), normalise_caption(b), autojunk=False).ratio()


def figure_number(label: str | None) -> str | None:
    found = re.search(r"(S?\d+(?:\.\d+)?)", label or "")
    return found.group(1) if found else None


@dataclasses.dataclass
class PairCounts:
    predicted: int = 0
    truth: int = 0
    correct: int = 0  # right number and that figure's caption (or page, where the truth has no captions)
    captions_compared: int = 0  # correct pairs whose caption the truth gives
    caption_exact: int = 0  # of those, captions equal to the truth after normalisation

    def add(self, other: PairCounts) -> None:
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.truth if self.truth else None

    @property
    def caption_match(self) -> float | None:
        return self.caption_exact / self.captions_compared if self.captions_compared else None

    def summary(self) -> dict:
        return {
            "predicted": self.predicted,
            "truth": self.truth,
            "correct": self.correct,
            "captions_compared": self.captions_compared,
            "caption_exact": self.caption_exact,
            "precision": self.precision,
            "recall": self.recall,
            "caption_match": self.caption_match,
        }


def score_pairs(predicted: list[tuple[str | None, str]], truth: dict[str, str]) -> tuple[PairCounts, list[str]]:
    """(number, caption) predictions against {number: caption}; returns the counts and what went wrong."""
    counts = PairCounts(predicted=len(predicted), truth=len(truth))
    notes = []
    used: set[str] = set()
    for number, caption in predicted:
        expected = truth.get(number or "")
        if expected is None or number in used:
            notes.append(f"extra figure {number}: {caption[:80]!r}")
            continue
        score = similarity(caption, expected)
        if score < PAIR_SIMILARITY:
            notes.append(f"figure {number} has another caption ({score:.2f}): {caption[:80]!r}")
            continue
        used.add(number)
        counts.correct += 1
        counts.captions_compared += 1
        if normalise_caption(caption) == normalise_caption(expected):
            counts.caption_exact += 1
        else:
            notes.append(f"figure {number} caption differs ({score:.3f}): {_first_difference(caption, expected)}")
    notes += [f"missed figure {number}" for number in truth if number not in used]
    return counts, notes


def _first_difference(got: str, expected: str) -> str:
    a, b = normalise_caption(got), normalise_caption(expected)
    index = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"got …{a[max(0, index - 20) : index + 30]!r} expected …{b[max(0, index - 20) : index + 30]!r}"


def sentences_recalled(
    truth_paragraphs: Iterable[str], extracted: Iterable[str], number: str, floats: Iterable[str] = ()
) -> tuple[int, int]:
    """How many of the truth's sentences that name the figure the extracted paragraphs contain.

    `floats` are the label+caption texts of figures that sit inside the truth's paragraphs; they are taken out
    first, since they are no sentence of the paragraph.
    """
    haystack = "".join(normalise_caption(paragraph) for paragraph in extracted)
    wanted = found = 0
    for paragraph in truth_paragraphs:
        for float_text in sorted(floats, key=len, reverse=True):
            paragraph = paragraph.replace(float_text, " ")
        for sentence in split_sentences(paragraph):
            # A bare "Fig. 4" left over from a graphic's label is no sentence.
            if number not in figure_numbers_mentioned(sentence) or len(sentence) < 20:
                continue
            wanted += 1
            needle = normalise_caption(sentence)
            if needle in haystack or _longest_common(needle, haystack) >= 0.8 * len(needle):
                found += 1
    return found, wanted


def _longest_common(needle: str, haystack: str) -> int:
    matcher = difflib.SequenceMatcher(None, needle, haystack, autojunk=False)
    return matcher.find_longest_match(0, len(needle), 0, len(haystack)).size


# --- PDF and JATS against the JATS of PubMed Central articles ---------------------------------------------


@dataclasses.dataclass
class PaperResult:
    paper: str
    counts: PairCounts
    notes: list[str]
    citations_found: int = 0
    citations_wanted: int = 0
    seconds: float = 0.0
    pages: int = 0
    ious: list[float] = dataclasses.field(default_factory=list)  # box overlap of each correct pair, where known


def pmc_truth(folder: Path) -> dict[str, dict]:
    """{article: {number: figure}} for the figures a reader sees numbered in the PDF (a graphical abstract
    without label or caption is not one). Articles whose JATS holds only the metadata (no `<body>`) are left
    out: their figures are unknown, not absent."""
    ground_truth = json.loads((folder / "figures_gt_from_jats.json").read_text())
    truth: dict[str, dict] = {}
    for article, entry in sorted(ground_truth.items()):
        if not _has_body(folder / article / "fulltext.xml"):
            continue
        figures = {}
        for figure in entry["figures"]:
            number = figure_number(figure.get("label"))
            if number and figure.get("caption"):
                figures[number] = figure
        truth[article] = figures
    return truth


def _has_body(jats: Path) -> bool:
    return not jats.exists() or b"<body" in jats.read_bytes()


def evaluate_pdf_against_jats(folder: Path, dpi: int = 150) -> list[PaperResult]:
    results = []
    for article, figures in pmc_truth(folder).items():
        content = (folder / article / "fulltext.pdf").read_bytes()
        started = time.perf_counter()
        extraction = extract_files(BundleFiles({"fulltext.pdf": content}), "pdf", dpi=dpi)
        seconds = time.perf_counter() - started
        counts, notes = score_pairs(
            [(figure.number, figure.caption) for figure in extraction.figures],
            {number: figure["caption"] for number, figure in figures.items()},
        )
        result = PaperResult(article, counts, notes, seconds=seconds, pages=_page_count(content))
        floats = [f"{figure['label'] or ''}{figure['caption']}" for figure in figures.values()]
        for figure in extraction.figures:
            if figure.number in figures:
                found, wanted = sentences_recalled(
                    figures[figure.number]["citing_paragraphs"], figure.citing_paragraphs, figure.number, floats
                )
                result.citations_found += found
                result.citations_wanted += wanted
        results.append(result)
    return results


@dataclasses.dataclass
class JatsResult:
    paper: str
    figs: int  # <fig> elements in the JATS
    extracted: int
    quarantined: int
    with_image: int
    citing_truth: int  # citing paragraphs in the truth
    citing_found: int


def evaluate_jats(folder: Path, dpi: int = 150) -> list[JatsResult]:
    """The PMC articles through the JATS extractor, the PDF beside the XML standing in for missing graphics."""
    results = []
    ground_truth = json.loads((folder / "figures_gt_from_jats.json").read_text())
    for article, entry in sorted(ground_truth.items()):
        bundle = read_folder(folder / article)
        extraction = extract_files(bundle, "jats", dpi=dpi)
        by_id = {figure.label: figure for figure in extraction.figures}
        quarantined = {problem.figure_key for problem in extraction.problems if problem.figure_key}
        result = JatsResult(article, len(entry["figures"]), 0, 0, 0, 0, 0)
        for figure in entry["figures"]:
            extracted = by_id.get(figure["id"])
            if extracted is None:
                result.quarantined += figure["id"] in quarantined
                continue
            result.extracted += 1
            result.with_image += _decodes(extracted.image.data)
            result.citing_truth += len(figure["citing_paragraphs"])
            result.citing_found += sum(
                any(_same_paragraph(found, wanted) for found in extracted.citing_paragraphs)
                for wanted in figure["citing_paragraphs"]
            )
        results.append(result)
    return results


def _same_paragraph(found: str, wanted: str) -> bool:
    """The truth's paragraph text also holds the figures floating inside it; ours leaves them out."""
    a, b = normalise_caption(found), normalise_caption(wanted)
    return bool(a) and (a == b or (a in b and len(a) >= 0.5 * len(b)))


# --- LaTeX trees ---------------------------------------------------------------------------------------------

_FIGURE_ENVIRONMENT = re.compile(r"\\begin\{(figure\*?|wrapfigure|SCfigure)\}(.*?)\\end\{\1\}", re.DOTALL)
_INPUT = re.compile(r"\\(?:input|include|subfile)\s*\{([^}]+)\}")


@dataclasses.dataclass
class LatexResult:
    paper: str
    environments: int  # captioned figure environments, counted independently
    extracted: int  # with a decodable image
    quarantined: int
    quarantine_reasons: dict[str, int]
    caption_checked: int = 0  # captions compared with the compiled PDF
    caption_right: int = 0
    caption_clean: int = 0  # captions without LaTeX markup left in them
    error: str | None = None

    @property
    def accounted(self) -> bool:
        return self.extracted + self.quarantined >= self.environments


def latex_units(corpus: Path) -> list[tuple[str, Path, Path | None]]:
    """(name, folder, compiled PDF or None) for each LaTeX paper of the corpus's `latex-*` trees."""
    compiled = {
        "latex-astropy-v0.2-paper": "submitted_versions/astropy_printer_v2.pdf",
        "latex-cvpr-author-kit/cvpr2023_single_file": "PaperForReview.pdf",
        "latex-scipy-1.0-paper": "paper.pdf",
        "latex-thesis-template-kks32": "thesis.pdf",
    }
    units = []
    for tree in sorted(corpus.glob("latex-*")):
        if tree.name == "latex-arxiv-filemanager":
            continue
        # Several sub-folders with a main file each are several papers (the CVPR kits, the engrafo trees);
        # otherwise the tree is one paper, whose figures may live in a sibling folder of its main file.
        papers = [child for child in sorted(tree.iterdir()) if child.is_dir() and _has_main_file(child)]
        if _has_main_file(tree, top_only=True) or len(papers) < 2:
            papers = [tree]
        for folder in papers:
            name = str(folder.relative_to(corpus))
            pdf = compiled.get(name)
            units.append((name, folder, folder / pdf if pdf else None))
    return units


def _has_main_file(folder: Path, top_only: bool = False) -> bool:
    files = folder.glob("*.tex") if top_only else folder.rglob("*.tex")
    return any(b"\\documentclass" in path.read_bytes() for path in files)


def count_figure_environments(bundle: BundleFiles, main_name: str) -> int:
    """Captioned figure environments of the document rooted at `main_name`: a plain second implementation."""
    seen: set[str] = set()

    def text_of(name: str) -> str:
        if name in seen or name not in bundle.files:
            return ""
        seen.add(name)
        text = bundle.files[name].decode("utf-8", "replace")
        text = "\n".join(re.sub(r"(?<!\\)%.*", "", line) for line in text.splitlines())
        text = re.sub(r"\\iffalse\b.*?\\fi\b", "", text, flags=re.DOTALL)
        text = re.sub(r"\\begin\{comment\}.*?\\end\{comment\}", "", text, flags=re.DOTALL)
        folder = posixpath.dirname(main_name)

        def include(match: re.Match) -> str:
            target = posixpath.normpath(posixpath.join(folder, match.group(1).strip()))
            return text_of(target if target in bundle.files else f"{target}.tex")

        return _INPUT.sub(include, text)

    document = text_of(main_name).partition("\\begin{document}")[2]
    return sum("\\caption" in match.group(2) for match in _FIGURE_ENVIRONMENT.finditer(document))


def evaluate_latex_trees(corpus: Path, dpi: int = 150) -> list[LatexResult]:
    from s1mm_assets.lib.extract.latex import find_main_file

    results = []
    for name, folder, compiled_pdf in latex_units(corpus):
        bundle = read_folder(folder)
        main_name = find_main_file(bundle)
        environments = count_figure_environments(bundle, main_name) if main_name else 0
        try:
            extraction = extract_files(bundle, "latex", dpi=dpi)
        except Exception as error:  # noqa: BLE001 - an extractor crash is a result to report
            results.append(LatexResult(name, environments, 0, 0, {}, error=_summary(error)))
            continue
        figures = [figure for figure in extraction.figures if figure.extractor == "latex"]
        reasons: dict[str, int] = {}
        for problem in extraction.problems:
            if problem.figure_key:
                reasons[problem.reason] = reasons.get(problem.reason, 0) + 1
        result = LatexResult(
            name,
            environments,
            sum(_decodes(figure.image.data) for figure in figures),
            sum(reasons.values()),
            reasons,
            caption_clean=sum(_clean(figure.caption) for figure in figures),
        )
        if compiled_pdf is not None and figures:
            printed = extract_files(BundleFiles({"paper.pdf": compiled_pdf.read_bytes()}), "pdf", dpi=dpi)
            printed_captions = {figure.number: figure.caption for figure in printed.figures}
            for figure in figures:
                if figure.number in printed_captions:
                    result.caption_checked += 1
                    result.caption_right += similarity(figure.caption, printed_captions[figure.number]) >= 0.9
        results.append(result)
    return results


def _clean(caption: str) -> bool:
    return bool(caption.strip()) and not re.search(r"\\[A-Za-z]+|[{}]|\$", caption)


# --- odd bundles -------------------------------------------------------------------------------------------


@dataclasses.dataclass
class BundleResult:
    bundle: str
    kind: str | None  # the extractor that read it (latex, jats, or pdf for a LaTeX wrapper around a PDF)
    figures: int
    problems: dict[str, int]
    error: str | None  # an unhandled exception


def evaluate_bundles(folder: Path, dpi: int = 150) -> list[BundleResult]:
    results = []
    for path in sorted(candidate for candidate in folder.rglob("*") if candidate.is_file()):
        if path.suffix.lower() in (".md",):
            continue
        kind = None
        try:
            files = open_bundle(path.name, path.read_bytes())
            kind = detect_kind(files)
            extraction = extract_files(files, kind, dpi=dpi)
        except Exception as error:  # noqa: BLE001 - the point is to count them
            unreadable = type(error).__name__ == "UnreadableBundle"
            results.append(
                BundleResult(str(path.relative_to(folder)), kind, 0, {"unreadable_bundle": 1}, None)
                if unreadable
                else BundleResult(str(path.relative_to(folder)), kind, 0, {}, _summary(error))
            )
            continue
        problems: dict[str, int] = {}
        for problem in extraction.problems:
            problems[problem.reason] = problems.get(problem.reason, 0) + 1
        results.append(
            BundleResult(str(path.relative_to(folder)), extraction.extractor, len(extraction.figures), problems, None)
        )
    return results


# --- PDF development sets, each split into a half to tune on and a half to report -------------------------------

_LABEL_PREFIX = re.compile(r"^\s*(?:figure|fig\.?)\s*-?\s*S?\d+(?:\.\d+)*\s*[.:|\u2014\u2013-]?\s*", re.IGNORECASE)


def split_halves(names: Iterable[str]) -> dict[str, str]:
    """Each paper's half, "tune" or "report": the names ranked by their SHA-256, the first half (rounded down)
    to tune the rules on. Fixed by the names alone, so anyone re-running it gets the same halves; a set of one
    paper is reported, never tuned on."""
    ranked = sorted(set(names), key=lambda name: hashlib.sha256(name.encode()).hexdigest())
    tune = set(ranked[: len(ranked) // 2])
    return {name: "tune" if name in tune else "report" for name in ranked}


def score_figure_pages(
    predicted: list[tuple[str | None, int | None]], figures: dict[str, int], text_only: Iterable[str] = ()
) -> tuple[PairCounts, list[str]]:
    """(number, page) predictions against {number: page}; figures made of text alone count neither way."""
    ignored = set(text_only)
    predicted = [(number, page) for number, page in predicted if number not in ignored]
    counts = PairCounts(predicted=len(predicted), truth=len(figures))
    notes, used = [], set()
    for number, page in predicted:
        if number not in figures or number in used:
            notes.append(f"extra figure {number} on page {page}")
        elif figures[number] != page:
            notes.append(f"figure {number} on page {page}, not {figures[number]}")
        else:
            used.add(number)
            counts.correct += 1
    notes += [f"missed figure {number} (page {page})" for number, page in figures.items() if number not in used]
    return counts, notes


def evaluate_pdf_against_figure_pages(corpus: Path, annotations: Path, dpi: int = 150) -> list[PaperResult]:
    """The corpus PDFs whose figure numbers and pages are annotated in `annotations` (those present)."""
    results = []
    for name, entry in sorted(json.loads(annotations.read_text())["papers"].items()):
        path = corpus / name
        if not path.exists():
            continue
        content = path.read_bytes()
        extraction = extract_files(BundleFiles({path.name: content}), "pdf", dpi=dpi)
        figures = {number: int(page) for number, page in entry["figures"].items()}
        counts, notes = score_figure_pages(
            [(figure.number, figure.page) for figure in extraction.figures], figures, entry["text_only"]
        )
        results.append(PaperResult(name, counts, notes, pages=_page_count(content)))
    return results


def evaluate_pdf_against_boxes(folder: Path, dpi: int = 150) -> list[PaperResult]:
    """PDFs with a DeepFigures result beside them (`<name>.pdf` and `*<name>.pdf-result.json`): figure number,
    caption and box; the overlap (IoU) of each correct pair's box with the annotated one."""
    results = []
    for pdf in sorted(folder.glob("*.pdf")):
        annotation = next(iter(sorted(folder.glob(f"*{pdf.name}-result.json"))), None)
        if annotation is None:
            continue
        annotated = json.loads(annotation.read_text())
        scale = 72 / annotated["dpi"]
        truth = {
            figure["name"]: figure
            for figure in annotated["figures"]
            if figure["figure_type"] == "Figure" and figure.get("caption_text")
        }
        captions = {number: _LABEL_PREFIX.sub("", figure["caption_text"]) for number, figure in truth.items()}
        content = pdf.read_bytes()
        extraction = extract_files(BundleFiles({pdf.name: content}), "pdf", dpi=dpi)
        counts, notes = score_pairs([(figure.number, figure.caption) for figure in extraction.figures], captions)
        result = PaperResult(pdf.name, counts, notes, pages=_page_count(content))
        matched: set[str] = set()
        for figure in extraction.figures:
            number = figure.number or ""
            if (
                number not in truth
                or number in matched
                or similarity(figure.caption, captions[number]) < PAIR_SIMILARITY
            ):
                continue
            matched.add(number)
            expected = truth[number]
            corner = expected["figure_boundary"]
            box = (corner["x1"] * scale, corner["y1"] * scale, corner["x2"] * scale, corner["y2"] * scale)
            # DeepFigures counts pages from 0.
            on_page = figure.page == expected["page"] + 1 and figure.bbox is not None
            result.ious.append(box_iou(figure.bbox, box) if on_page else 0.0)
        results.append(result)
    return results


def box_iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def evaluate_pdf_against_latex(corpus: Path, dpi: int = 150) -> list[PaperResult]:
    """The compiled PDFs of the LaTeX trees, against the figures the LaTeX extractor finds in the source: the
    way arXiv papers are scored. Only trees whose every captioned figure environment is extracted (so that
    the truth is complete) take part."""
    from s1mm_assets.lib.extract.latex import find_main_file

    results = []
    for name, folder, compiled_pdf in latex_units(corpus):
        if compiled_pdf is None:
            continue
        bundle = read_folder(folder)
        main_name = find_main_file(bundle)
        latex = extract_files(bundle, "latex", dpi=dpi)
        truth = {figure.number: figure.caption for figure in latex.figures if figure.number}
        if not main_name or len(truth) != count_figure_environments(bundle, main_name):
            continue
        content = compiled_pdf.read_bytes()
        extraction = extract_files(BundleFiles({compiled_pdf.name: content}), "pdf", dpi=dpi)
        counts, notes = score_pairs([(figure.number, figure.caption) for figure in extraction.figures], truth)
        results.append(PaperResult(name, counts, notes, pages=_page_count(content)))
    return results


# --- the sample generator's exact ground truth ----------------------------------------------------------------


@dataclasses.dataclass
class SampleResult:
    source: str
    figures: int  # figures the generator made extractable
    extracted: int
    caption_exact: int
    citing_sentences: int  # the generator's citing sentences
    citing_found: int
    quarantined_as_planned: int  # the deliberately broken figures, quarantined with the planned reason
    broken: int


def evaluate_sample(months: Iterable[str], papers_per_partition: int = 6) -> list[SampleResult]:
    from s1mm_assets.lib.context import citing_sentences
    from s1mm_assets.lib.extract import extract_bundle
    from s1mm_assets.lib.sources.sample import SampleSource

    reasons = {"tikz": "drawn_in_latex", "missing_file": "missing_file"}
    results = []
    for source in ("arxiv", "biorxiv", "medrxiv", "nature_communications", "chemrxiv"):
        result = SampleResult(source, 0, 0, 0, 0, 0, 0, 0)
        for month in months:
            for paper in SampleSource(papers_per_partition).generate(source, month):
                extraction = extract_bundle(paper.bundle.filename, paper.bundle.content)
                by_key = {(figure.label if figure.label else figure.number): figure for figure in extraction.figures}
                problems = {problem.figure_key: problem.reason for problem in extraction.problems}
                for expected in paper.figures:
                    if not expected.extractable:
                        result.broken += 1
                        result.quarantined_as_planned += problems.get(expected.label) == reasons[expected.problem]
                        continue
                    result.figures += 1
                    figure = by_key.get(expected.label if expected.label else expected.number)
                    if figure is None:
                        continue
                    result.extracted += 1
                    result.caption_exact += figure.caption == expected.caption
                    found = set(citing_sentences(figure.citing_paragraphs, figure.number))
                    result.citing_sentences += len(expected.citing_sentences)
                    result.citing_found += len(set(expected.citing_sentences) & found)
        results.append(result)
    return results


# --- helpers -------------------------------------------------------------------------------------------------


def _decodes(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
        return True
    except Exception:  # noqa: BLE001 - any failure means "does not decode"
        return False


def _page_count(content: bytes) -> int:
    import pymupdf

    with pymupdf.open(stream=content, filetype="pdf") as document:
        return document.page_count


def _summary(error: BaseException) -> str:
    return "".join(traceback.format_exception_only(error)).strip() + " | " + traceback.format_exc(limit=-2)


def extraction_of(path: Path, dpi: int = 150) -> Extraction:
    """Extract a file or a folder as the pipeline would."""
    if path.is_dir():
        files = read_folder(path)
        return extract_files(files, detect_kind(files), dpi=dpi)
    files = open_bundle(path.name, path.read_bytes())
    return extract_files(files, detect_kind(files), dpi=dpi)
