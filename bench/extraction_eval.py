"""Extraction quality on real papers, with pymupdf4llm run on the same PDFs in the same run as a peer.

    .venv/bin/python bench/extraction_eval.py [--corpus ../shared/corpus] [--no-peer] [--development-only]
        [--json results.json]

Prints the Markdown tables of BENCHMARKS.md ("Extraction"), the PDF development sets first, each split into the
half the rules were tuned on and the half kept for reporting (`split_halves`). The peer needs pymupdf4llm
(`pip install -e ".[bench]"`); it runs in a child process because importing it switches PyMuPDF to its layout
mode for the whole process. The scoring rules are in `s1mm_assets/lib/extract/evaluation.py`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

from s1mm_assets.lib.extract.evaluation import (
    JatsResult,
    PairCounts,
    PaperResult,
    evaluate_bundles,
    evaluate_jats,
    evaluate_latex_trees,
    evaluate_pdf_against_boxes,
    evaluate_pdf_against_figure_pages,
    evaluate_pdf_against_jats,
    evaluate_pdf_against_latex,
    evaluate_sample,
    pmc_truth,
    score_pairs,
    split_halves,
)

SAMPLE_MONTHS = ("2024-03", "2024-04")
SAMPLE_FORMATS = {
    "arxiv": "LaTeX",
    "biorxiv": "JATS MECA",
    "medrxiv": "JATS MECA",
    "nature_communications": "JATS PMC",
    "chemrxiv": "PDF",
}
DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
FIGURE_PAGES = Path(__file__).resolve().parent / "data" / "pdf_figure_pages.json"
HALVES = ("tune", "report")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--no-peer", action="store_true", help="skip pymupdf4llm")
    parser.add_argument("--development-only", action="store_true", help="only the PDF and JATS development sets")
    parser.add_argument("--json", type=Path, help="also write every number here")
    arguments = parser.parse_args()
    corpus = arguments.corpus
    if not (corpus / "pdf-pmc-jats").is_dir():
        print(f"corpus not found at {corpus}", file=sys.stderr)
        return 2
    report: dict = {}
    ours = evaluate_pdf_against_jats(corpus / "pdf-pmc-jats")
    report["development"] = _development_sets(corpus, ours)
    if arguments.development_only:
        if arguments.json:
            arguments.json.write_text(json.dumps(report, indent=2, default=str))
        return 0
    print(f"\n## PDF figure-caption pairs against the JATS ({corpus / 'pdf-pmc-jats'})\n")
    rows = [_pdf_row("s1mm (PyMuPDF, this repo)", ours)]
    report["pdf"] = _pdf_summary(ours)
    if not arguments.no_peer:
        peer = _run_peer(corpus / "pdf-pmc-jats")
        rows.append(_pdf_row("pymupdf4llm " + peer["version"], peer["results"]))
        report["pymupdf4llm"] = {**_pdf_summary(peer["results"]), "version": peer["version"]}
    print("| extractor | figures found | JATS figures | correct pairs | precision | recall | caption match "
          "| citing sentences recalled | s/paper |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print("\nWhat each PDF extractor got wrong:\n")
    for result in ours:
        for note in result.notes:
            print(f"- s1mm {result.paper}: {note}")
    if not arguments.no_peer:
        for result in peer["results"]:
            for note in result.notes:
                print(f"- pymupdf4llm {result.paper}: {note}")

    print("\n## JATS extraction on the same articles\n")
    jats = evaluate_jats(corpus / "pdf-pmc-jats")
    report["jats"] = [vars(result) for result in jats]
    jats_rows = [
        (r.paper, r.figs, r.extracted, r.quarantined, r.with_image, f"{r.citing_found} / {r.citing_truth}")
        for r in jats
    ]
    jats_rows.append(
        (
            "**all**",
            *(sum(getattr(r, field) for r in jats) for field in ("figs", "extracted", "quarantined", "with_image")),
            f"{sum(r.citing_found for r in jats)} / {sum(r.citing_truth for r in jats)}",
        )
    )
    _table(
        ["article", "`<fig>`", "extracted", "quarantined", "with image", "citing paragraphs found / in JATS"], jats_rows
    )

    print("\n## LaTeX trees\n")
    latex = evaluate_latex_trees(corpus)
    report["latex"] = [vars(result) for result in latex]
    latex_rows = []
    for result in latex:
        reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(result.quarantine_reasons.items()))
        latex_rows.append(
            (
                result.paper + (f" (error: {result.error})" if result.error else ""),
                result.environments,
                result.extracted,
                f"{result.quarantined}{f' ({reasons})' if reasons else ''}",
                result.caption_clean,
                f"{result.caption_right} / {result.caption_checked}" if result.caption_checked else "no PDF",
            )
        )
    latex_rows.append(
        (
            "**all**",
            *(sum(getattr(r, field) for r in latex) for field in ("environments", "extracted", "quarantined")),
            sum(r.caption_clean for r in latex),
            f"{sum(r.caption_right for r in latex)} / {sum(r.caption_checked for r in latex)}",
        )
    )
    headers = ["tree", "captioned figure environments", "extracted, image decodes", "quarantined (reasons)"]
    _table(headers + ["captions clean", "captions = compiled PDF's"], latex_rows)

    print("\n## Odd arXiv bundles (latex-arxiv-filemanager)\n")
    bundles = evaluate_bundles(corpus / "latex-arxiv-filemanager")
    report["bundles"] = [vars(result) for result in bundles]
    _table(
        ["bundle", "read as", "figures", "quarantined (reasons)", "unhandled exception"],
        [
            (
                result.bundle,
                result.kind,
                result.figures,
                ", ".join(f"{reason} {count}" for reason, count in sorted(result.problems.items())) or "-",
                result.error or "none",
            )
            for result in bundles
        ],
    )
    print(f"\n## The sample generator's papers (exact ground truth; months {', '.join(SAMPLE_MONTHS)}, 6 each)\n")
    sample = evaluate_sample(SAMPLE_MONTHS)
    report["sample"] = [vars(result) for result in sample]
    _table(
        [
            "source (format)",
            "figures",
            "extracted",
            "caption exact",
            "citing sentences found",
            "broken ones quarantined",
        ],
        [
            (
                f"{r.source} ({SAMPLE_FORMATS[r.source]})",
                r.figures,
                r.extracted,
                r.caption_exact,
                f"{r.citing_found} / {r.citing_sentences}",
                f"{r.quarantined_as_planned} / {r.broken}",
            )
            for r in sample
        ],
    )
    if arguments.json:
        arguments.json.write_text(json.dumps(report, indent=2, default=str))
    return 0


def _development_sets(corpus: Path, pmc: list[PaperResult]) -> dict:
    """The PDF sets the rules are developed on, and the JATS extractor on the PMC ones, by half."""
    sets = [
        ("PMC, many publishers (`pdf-jats-extra`); truth: JATS", evaluate_pdf_against_jats(corpus / "pdf-jats-extra")),
        ("PMC (`pdf-pmc-jats`); truth: JATS", pmc),
        ("compiled PDFs of the LaTeX trees; truth: the LaTeX source", evaluate_pdf_against_latex(corpus)),
        (
            "DeepFigures' paper (`pdf-deepfigures`); truth: its annotation",
            evaluate_pdf_against_boxes(corpus / "pdf-deepfigures"),
        ),
        (
            "CS and biomedical PDFs without truth; figure numbers and pages annotated by hand",
            evaluate_pdf_against_figure_pages(corpus, FIGURE_PAGES),
        ),
    ]
    print("## PDF development sets, tune half and report half\n")
    print("| set | half | papers | figures | found | correct | precision | recall | caption match "
          "| box IoU: mean, >= 0.8 |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    summary: dict = {}
    notes: list[str] = []
    for name, results in sets:
        halves = split_halves(_names(corpus, results))
        for half in HALVES:
            chosen = [result for result in results if halves[result.paper] == half]
            total = PairCounts()
            for result in chosen:
                total.add(result.counts)
            ious = [iou for result in chosen for iou in result.ious]
            box = f"{sum(ious) / len(ious):.2f}, {sum(iou >= 0.8 for iou in ious)} / {len(ious)}" if ious else "-"
            print(
                f"| {name} | {half} | {len(chosen)} | {total.truth} | {total.predicted} | {total.correct} "
                f"| {_rate(total.precision)} | {_rate(total.recall)} | {_rate(total.caption_match)} | {box} |"
            )
            summary[f"{name} / {half}"] = {**total.summary(), "papers": len(chosen), "ious": ious}
            notes += [f"- {half}, {result.paper}: {note}" for result in chosen for note in result.notes]
    print("\nWhat the PDF extractor got wrong on them:\n")
    print("\n".join(notes))

    print("\n## JATS extraction on the PMC sets, tune half and report half (the PDF stands in for graphics)\n")
    print("| set | half | articles | `<fig>` | extracted with image | quarantined | recall |")
    print("|---|---|---|---|---|---|---|")
    problems: list[str] = []
    for folder in ("pdf-jats-extra", "pdf-pmc-jats"):
        results: list[JatsResult] = evaluate_jats(corpus / folder)
        halves = split_halves(_names(corpus, results))
        for half in HALVES:
            chosen = [result for result in results if halves[result.paper] == half]
            figs = sum(result.figs for result in chosen)
            with_image = sum(result.with_image for result in chosen)
            quarantined = sum(result.quarantined for result in chosen)
            print(
                f"| `{folder}` | {half} | {len(chosen)} | {figs} | {with_image} | {quarantined} "
                f"| {_rate(with_image / figs if figs else None)} |"
            )
            summary[f"jats {folder} / {half}"] = {"figs": figs, "with_image": with_image, "quarantined": quarantined}
            problems += [
                f"- {folder} {half}, {result.paper}: {result.figs - result.with_image} of {result.figs} without image"
                for result in chosen
                if result.with_image < result.figs
            ]
    print("\n" + "\n".join(problems))
    return summary


def _names(corpus: Path, results: list) -> list[str]:
    """The papers a set is split over: for the PMC sets every article of the truth file (the PDF scores leave out
    those whose JATS has no body, the JATS scores do not), so both score the same halves."""
    papers = [result.paper for result in results]
    for folder in ("pdf-jats-extra", "pdf-pmc-jats"):
        articles = json.loads((corpus / folder / "figures_gt_from_jats.json").read_text())
        if set(papers) <= set(articles):
            return list(articles)
    return papers


def _table(headers: list[str], rows: list[tuple]) -> None:
    print("| " + " | ".join(headers) + " |")
    print("|" + "---|" * len(headers))
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")


def _pdf_row(name: str, results: list) -> str:
    total = PairCounts()
    for result in results:
        total.add(result.counts)
    found = sum(result.citations_found for result in results)
    wanted = sum(result.citations_wanted for result in results)
    seconds = sum(result.seconds for result in results) / max(1, len(results))
    citations = f"{found} / {wanted}" if wanted else "not measured (no citing paragraphs)"
    return (
        f"| {name} | {total.predicted} | {total.truth} | {total.correct} | {_rate(total.precision)} "
        f"| {_rate(total.recall)} | {_rate(total.caption_match)} | {citations} | {seconds:.2f} |"
    )


def _pdf_summary(results: list) -> dict:
    total = PairCounts()
    for result in results:
        total.add(result.counts)
    return {
        **total.summary(),
        "citations_found": sum(result.citations_found for result in results),
        "citations_wanted": sum(result.citations_wanted for result in results),
        "seconds": sum(result.seconds for result in results),
        "papers": len(results),
    }


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


# --- the peer ------------------------------------------------------------------------------------------------


def _run_peer(folder: Path) -> dict:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_peer_in_child, (str(folder),))


def _peer_in_child(folder_name: str) -> dict:
    """pymupdf4llm's layout model finds 'picture' and 'caption' boxes and writes the pictures; each figure
    caption is paired with the nearest picture on its page, and scored like ours."""
    import pymupdf
    import pymupdf4llm

    from s1mm_assets.lib.extract.evaluation import PaperResult
    from s1mm_assets.lib.extract.pdf_captions import CAPTION_LABEL
    from s1mm_assets.lib.extract.pdf_text import Vocabulary, join_lines

    os.dup2(2, 1)  # pymupdf4llm prints its notices on stdout, which carries the report
    folder = Path(folder_name)
    results = []
    for article, figures in pmc_truth(folder).items():
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as images, pymupdf.open(folder / article / "fulltext.pdf") as document:
            # No OCR: these PDFs have a text layer, and our extractor does not OCR either.
            parsed = json.loads(pymupdf4llm.to_json(document, write_images=True, image_path=images, use_ocr=False))
        seconds = time.perf_counter() - started
        lines_of = [
            [" ".join(span["text"] for span in line["spans"]) for line in box.get("textlines") or []]
            for page in parsed["pages"]
            for box in page["boxes"]
        ]
        vocabulary = Vocabulary(line for lines in lines_of for line in lines)
        predicted = []
        for page in parsed["pages"]:
            pictures = [box for box in page["boxes"] if box["boxclass"] == "picture"]
            for box in page["boxes"]:
                if box["boxclass"] != "caption" or not pictures:
                    continue
                text = join_lines([" ".join(s["text"] for s in line["spans"]) for line in box["textlines"]], vocabulary)
                label = CAPTION_LABEL.match(text)
                if label is None or label.group("kind").lower().startswith("tab"):
                    continue
                predicted.append((label.group("number"), text[label.end() :].strip()))
        counts, notes = score_pairs(predicted, {number: figure["caption"] for number, figure in figures.items()})
        results.append(PaperResult(article, counts, notes, seconds=seconds))
    return {"version": pymupdf4llm.__version__, "results": results}


if __name__ == "__main__":
    sys.exit(main())
