"""Extraction speed and peak memory per core, against the floor of only reading the same inputs.

    .venv/bin/python bench/extraction_throughput.py [--corpus ../shared/corpus] [--repeat 3] [--no-peer] \
        [--sample-papers 24] [--results bench/results/extraction_throughput.json] \
        [--baseline ../pdf-base [--compared-only]]

- PDF: every PDF of the corpus's `pdf-*` folders. Floors: open each with PyMuPDF and extract every page's plain
  text (`page.get_text()`), or its text with positions and fonts (`page.get_text("dict")`, what any layout
  analysis starts from). Extraction: `extract_pdf` at 150 dpi, figure images rendered and encoded; "analysis"
  is the same with rendering replaced by nothing (figures located, captions and citations read).
- LaTeX: every bundle of `latex-arxiv-filemanager` and every `latex-*` tree. Floor: reading the tarballs (or
  folders) into memory. Extraction: the whole LaTeX extraction (Ghostscript for EPS included).
- Bound: the plain-text floor plus rendering and encoding the very figure regions the extraction chose (found
  beforehand, outside the clock), each page's content interpreted once: the fastest any extractor that outputs
  these figures at 150 dpi could be, with no layout analysis at all.
- Peer: pymupdf4llm writing its pictures of the same PDFs (`--no-peer` skips it).
- Sample: the sample generator's bundles of one month (`--sample-papers` each) of arxiv (LaTeX), biorxiv and
  nature_communications (JATS packages with their images: the corpus has no JATS package that ships its graphics)
  and chemrxiv (PDF), extracted the same way.
- Baseline: `--baseline` names another checkout of this repository (e.g. a `git worktree` of an older commit);
  its PDF analysis and extraction and its LaTeX extraction run as extra modes, each right after this tree's run
  of the same mode, and the report gives each mode's CPU time against the baseline's. `--compared-only` runs
  only those modes (no floors, bound, sample or yields).

Beside the times, one untimed pass over each input set counts what the extraction yields: figures per paper,
bytes of figure images per figure, bytes of input per paper. `--results` writes the per-core rates a capacity plan
reads (`s1mm plan`): core-seconds, figures and image bytes per paper for PDF and LaTeX from the corpus, for JATS
from the sample.

Each mode runs in its own child process, one at a time on one core, so the peak resident memory (ru_maxrss)
belongs to that mode alone. The child imports the modules its mode needs before the clock starts (importing
PyMuPDF alone costs ~0.75 CPU s, as much as half the plain-text floor), so every mode is measured in steady
state: the time is the work on the files, not the start of a process. Time is CPU time (the process and its
children, e.g. Ghostscript): on a shared machine wall time measures the neighbours too. Modes alternate
within each repeat; the figures are medians of `--repeat` runs. Prints Markdown for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def pdf_files(corpus: Path) -> list[Path]:
    return sorted(path for folder in sorted(corpus.glob("pdf-*")) for path in folder.rglob("*.pdf"))


def latex_inputs(corpus: Path) -> list[Path]:
    from s1mm_assets.lib.extract.evaluation import latex_units

    bundles = sorted(
        path for path in (corpus / "latex-arxiv-filemanager").rglob("*") if path.name.endswith(("gz", "tgz"))
    )
    return bundles + [folder for _, folder, _ in latex_units(corpus)]


# --- the modes, each run in a child process ---------------------------------------------------------------------


def pdf_floor(paths: list[str]) -> int:
    import pymupdf

    pages = 0
    for path in paths:
        with pymupdf.open(path) as document:
            for page in document:
                page.get_text()
                pages += 1
    return pages


def pdf_floor_dict(paths: list[str]) -> int:
    import pymupdf

    pages = 0
    for path in paths:
        with pymupdf.open(path) as document:
            for page in document:
                page.get_text("dict")
                pages += 1
    return pages


def pdf_analysis(paths: list[str]) -> int:
    import pymupdf

    from s1mm_assets.lib.extract import pdf_layout

    # Rendering replaced by an empty pixmap: what is left is finding figures, captions and citations.
    pdf_layout.Page.render = lambda self, box, dpi: pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 32, 32))
    return pdf_extraction(paths)


def pdf_extraction(paths: list[str]) -> int:
    import pymupdf

    from s1mm_assets.lib.extract import BundleFiles, extract_files

    pages = 0
    for path in paths:
        data = Path(path).read_bytes()
        extract_files(BundleFiles({"paper.pdf": data}), "pdf", dpi=150)
        with pymupdf.open(stream=data, filetype="pdf") as document:
            pages += document.page_count
    return pages


def pdf_regions(paths: list[str]) -> list[tuple[str, list[tuple[int, list[float], bool]]]]:
    """Each PDF with the figures its extraction outputs: page (0-based), region, encoded as JPEG."""
    from s1mm_assets.lib.extract import BundleFiles, extract_files

    jobs = []
    for path in paths:
        extraction = extract_files(BundleFiles({"paper.pdf": Path(path).read_bytes()}), "pdf", dpi=150)
        figures = [(figure.page - 1, list(figure.bbox), figure.image.format == "jpeg") for figure in extraction.figures]
        jobs.append((path, figures))
    return jobs


def pdf_floor_and_rendering(jobs: list[tuple[str, list[tuple[int, list[float], bool]]]]) -> int:
    """The floor's work plus rendering and encoding the figures: each page's content read once, into a display
    list where the page has figures, whose text and figure regions both come from it."""
    import pymupdf

    from s1mm_assets.lib.extract.pdf import encode_pixmap

    zoom = pymupdf.Matrix(150 / 72, 150 / 72)
    pages = 0
    for path, figures in jobs:
        by_page: dict[int, list[tuple[list[float], bool]]] = {}
        for page_index, box, photographic in figures:
            by_page.setdefault(page_index, []).append((box, photographic))
        with pymupdf.open(path) as document:
            for page in document:
                pages += 1
                if page.number not in by_page:
                    page.get_text()
                    continue
                display_list = page.get_displaylist()
                pymupdf.TextPage(display_list.get_textpage()).extractText()
                for box, photographic in by_page[page.number]:
                    pixmap = display_list.get_pixmap(matrix=zoom, clip=pymupdf.Rect(box), alpha=False)
                    encode_pixmap(pixmap, photographic)
        pymupdf.TOOLS.store_shrink(100)  # as the extraction does between papers
    return pages


def pdf_peer(paths: list[str]) -> int:
    os.dup2(2, 1)  # pymupdf4llm prints notices on stdout
    import pymupdf
    import pymupdf4llm

    pages = 0
    for path in paths:
        with tempfile.TemporaryDirectory() as images, pymupdf.open(path) as document:
            pymupdf4llm.to_json(document, write_images=True, image_path=images, use_ocr=False)
            pages += document.page_count
    return pages


def latex_floor(paths: list[str]) -> int:
    from s1mm_assets.lib.extract import open_bundle
    from s1mm_assets.lib.extract.bundle import read_folder

    for path in map(Path, paths):
        read_folder(path) if path.is_dir() else open_bundle(path.name, path.read_bytes())
    return 0


def bundle_extraction(paths: list[str]) -> int:
    """`s1mm extract` on each bundle or folder: the format found from the files."""
    from s1mm_assets.lib.extract.batch import extract_path

    for path in map(Path, paths):
        extract_path(path, dpi=150)
    return 0


def yields(paths: list[str]) -> dict[str, int]:
    """What extracting these papers produces (untimed): papers, figures, bytes of figure images, bytes of input."""
    from s1mm_assets.lib.extract.batch import extract_path

    figures = image_bytes = input_bytes = 0
    for path in map(Path, paths):
        extraction = extract_path(path, dpi=150)
        figures += len(extraction.figures)
        image_bytes += sum(len(figure.image.data) for figure in extraction.figures)
        files = path.rglob("*") if path.is_dir() else [path]
        input_bytes += sum(file.stat().st_size for file in files if file.is_file())
    return {"papers": len(paths), "figures": figures, "image_bytes": image_bytes, "input_bytes": input_bytes}


# The sample sources whose bundles are timed, by the format they ship.
SAMPLE_SOURCES = {
    "sample_latex": ["arxiv"],
    "sample_jats": ["biorxiv", "nature_communications"],
    "sample_pdf": ["chemrxiv"],
}


def sample_bundles(folder: Path, papers: int) -> dict[str, list[Path]]:
    """The sample generator's bundles of 2024-01, written to `folder`, by format."""
    from s1mm_assets.lib.sources.sample import SampleSource

    generator = SampleSource(papers_per_partition=papers)
    bundles: dict[str, list[Path]] = {}
    for mode, sources in SAMPLE_SOURCES.items():
        for source in sources:
            for bundle in generator.papers(source, "2024-01"):
                path = folder / source / bundle.filename
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(bundle.content)
                bundles.setdefault(mode, []).append(path)
    return bundles


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# What each mode imports, loaded in its child before the clock starts.
_WARM_UP = {
    "pdf_floor": ["pymupdf"],
    "pdf_floor_dict": ["pymupdf"],
    "pdf_analysis": ["pymupdf", "s1mm_assets.lib.extract"],
    "pdf_extraction": ["pymupdf", "s1mm_assets.lib.extract"],
    "pdf_floor_and_rendering": ["pymupdf", "s1mm_assets.lib.extract.pdf"],
    "pdf_peer": ["pymupdf", "pymupdf4llm"],
    "latex_floor": ["s1mm_assets.lib.extract", "s1mm_assets.lib.extract.bundle"],
    "latex_extraction": ["s1mm_assets.lib.extract.batch"],
    "sample_latex": ["s1mm_assets.lib.extract.batch"],
    "sample_jats": ["s1mm_assets.lib.extract.batch"],
    "sample_pdf": ["s1mm_assets.lib.extract.batch"],
}
# Modes that run another mode's function on their own inputs.
_FUNCTION = {"latex_extraction": "bundle_extraction"} | {mode: "bundle_extraction" for mode in SAMPLE_SOURCES}


def _timed(mode: str, paths: list, code_root: str | None = None) -> tuple[float, float, int, int]:
    if code_root:
        sys.path.insert(0, code_root)  # this child imports s1mm_assets from the baseline's checkout
    with contextlib.redirect_stdout(sys.stderr):  # pymupdf4llm prints notices when imported
        for module in _WARM_UP[mode]:
            importlib.import_module(module)
    started, cpu = time.perf_counter(), _cpu_seconds()
    pages = globals()[_FUNCTION.get(mode, mode)](paths)
    return (
        _cpu_seconds() - cpu,
        time.perf_counter() - started,
        pages,
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    )


def run_once(mode: str, paths: list, code_root: str | None = None) -> tuple[float, float, int, int]:
    with multiprocessing.get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(_timed, (mode, [str(path) if isinstance(path, Path) else path for path in paths], code_root))


def summarise(mode: str, paths: list[Path], runs: list[tuple[float, float, int, int]]) -> dict:
    return {
        "mode": mode,
        "seconds": statistics.median(run[0] for run in runs),
        "wall_seconds": statistics.median(run[1] for run in runs),
        "papers": len(paths),
        "pages": runs[0][2],
        "peak_rss_mib": max(run[3] for run in runs) / 1024,
        "runs": [run[0] for run in runs],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--json", type=Path, help="also write every number here")
    parser.add_argument("--sample-papers", type=int, default=24, help="sample papers per source; 0 skips the sample")
    parser.add_argument("--results", type=Path, help="write the rates a capacity plan reads here")
    parser.add_argument("--baseline", type=Path, help="another checkout whose extraction runs alongside, for ratios")
    parser.add_argument(
        "--compared-only", action="store_true", help="with --baseline: only the modes compared with the baseline"
    )
    arguments = parser.parse_args()
    if arguments.compared_only and (arguments.results or not arguments.baseline):
        parser.error("--compared-only needs --baseline and leaves out what --results writes")
    pdfs, latex = pdf_files(arguments.corpus), latex_inputs(arguments.corpus)
    if not pdfs:
        print(f"no corpus at {arguments.corpus}", file=sys.stderr)
        return 2
    baseline = str(arguments.baseline.resolve()) if arguments.baseline else None
    compared = ("pdf_analysis", "pdf_extraction", "latex_extraction") if baseline else ()
    scratch = tempfile.TemporaryDirectory(prefix="s1mm-extraction-bench-")
    with scratch, multiprocessing.get_context("spawn").Pool(1) as pool:
        if arguments.compared_only:
            plan = {"pdf_analysis": pdfs, "pdf_extraction": pdfs, "latex_extraction": latex}
            inputs = {}
        else:
            regions = pool.apply(pdf_regions, ([str(path) for path in pdfs],))
            # made in a child: a child forked from a large parent keeps the parent's peak RSS as its own (ru_maxrss
            # survives exec), which would inflate every mode's memory figure
            sample = (
                pool.apply(sample_bundles, (Path(scratch.name), arguments.sample_papers))
                if arguments.sample_papers
                else {}
            )
            plan = {
                "pdf_floor": pdfs,
                "pdf_floor_dict": pdfs,
                "pdf_analysis": pdfs,
                "pdf_floor_and_rendering": regions,
                "pdf_extraction": pdfs,
                "latex_floor": latex,
                "latex_extraction": latex,
            } | sample
            inputs = {"pdf_extraction": pdfs, "latex_extraction": latex} | sample
        runs: dict[str, list] = {mode: [] for mode in plan} | {f"{mode}@baseline": [] for mode in compared}
        for _ in range(arguments.repeat):
            for mode, paths in plan.items():
                runs[mode].append(run_once(mode, paths))
                if mode in compared:  # right after this tree's run of the same mode, on the same machine state
                    runs[f"{mode}@baseline"].append(run_once(mode, paths, baseline))
        produced = {mode: pool.apply(yields, ([str(path) for path in paths],)) for mode, paths in inputs.items()}
    results = {mode: summarise(mode, plan[mode], runs[mode]) for mode in plan}
    results.update({f"{mode}@baseline": summarise(mode, plan[mode], runs[f"{mode}@baseline"]) for mode in compared})
    if not arguments.no_peer and not arguments.compared_only:
        results["pdf_peer"] = summarise("pdf_peer", pdfs, [run_once("pdf_peer", pdfs)])
    print(f"CPU seconds of one process (machine: {os.cpu_count()} cores), median of {arguments.repeat} runs.")
    if not arguments.compared_only:
        _print_modes(results, produced)
    if compared:
        _print_against_baseline(results, compared, baseline, arguments.repeat)
    if arguments.json:
        arguments.json.write_text(json.dumps(results | {"yields": produced}, indent=2))
    if arguments.results:
        write_plan_rates(arguments.results, results, produced)
    return 0


def _print_modes(results: dict, produced: dict) -> None:
    print(
        "\n| input | mode | papers | pages | CPU s | papers/s | pages/s | peak RSS MiB | speed vs floor "
        "| memory vs floor |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    rows = [
        ("PDF", "floor: PyMuPDF open + get_text()", "pdf_floor", "pdf_floor"),
        ("PDF", 'floor: PyMuPDF open + get_text("dict")', "pdf_floor_dict", "pdf_floor"),
        ("PDF", "s1mm analysis (no rendering)", "pdf_analysis", "pdf_floor"),
        ("PDF", "bound: floor + rendering the same figures (150 dpi, encoded)", "pdf_floor_and_rendering", "pdf_floor"),
        ("PDF", "s1mm extraction (150 dpi)", "pdf_extraction", "pdf_floor"),
        ("PDF", "pymupdf4llm pictures (peer, 1 run)", "pdf_peer", "pdf_floor"),
        ("LaTeX", "floor: read tarballs / folders", "latex_floor", "latex_floor"),
        ("LaTeX", "s1mm extraction (150 dpi)", "latex_extraction", "latex_floor"),
        # the corpus's floors are no floors for the sample's papers
        ("sample LaTeX", "s1mm extraction (150 dpi)", "sample_latex", None),
        ("sample JATS", "s1mm extraction (150 dpi)", "sample_jats", None),
        ("sample PDF", "s1mm extraction (150 dpi)", "sample_pdf", None),
    ]
    for kind, name, key, floor_key in rows:
        if key not in results:
            continue
        result = results[key]
        pages = f"{result['pages'] / result['seconds']:.0f}" if result["pages"] else "-"
        if floor_key:
            floor = results[floor_key]
            versus = (
                f"{floor['seconds'] / result['seconds']:.2f} | {result['peak_rss_mib'] / floor['peak_rss_mib']:.2f}"
            )
        else:
            versus = "- | -"
        print(
            f"| {kind} | {name} | {result['papers']} | {result['pages'] or '-'} | {result['seconds']:.2f} "
            f"| {result['papers'] / result['seconds']:.2f} | {pages} | {result['peak_rss_mib']:.0f} | {versus} |"
        )
    print("\n| input | papers | figures | figures per paper | image KB per figure | input KB per paper |")
    print("|---|---|---|---|---|---|")
    for mode, counts in produced.items():
        print(
            f"| {mode} | {counts['papers']} | {counts['figures']} | {counts['figures'] / counts['papers']:.2f} "
            f"| {counts['image_bytes'] / max(counts['figures'], 1) / 1e3:.0f} "
            f"| {counts['input_bytes'] / counts['papers'] / 1e3:.0f} |"
        )


def _print_against_baseline(results: dict, compared: tuple[str, ...], baseline: str, repeat: int) -> None:
    print(f"\nAgainst the baseline {baseline} (CPU s, median of {repeat} runs each, alternating):\n")
    print("| mode | this tree | baseline | this / baseline | runs, this tree | runs, baseline |")
    print("|---|---|---|---|---|---|")
    for mode in compared:
        ours, theirs = results[mode], results[f"{mode}@baseline"]
        print(
            f"| {mode} | {ours['seconds']:.2f} | {theirs['seconds']:.2f} | {ours['seconds'] / theirs['seconds']:.3f} "
            f"| {' / '.join(f'{run:.2f}' for run in ours['runs'])} "
            f"| {' / '.join(f'{run:.2f}' for run in theirs['runs'])} |"
        )


# Where each bundle format's rates come from: real papers where the corpus has them with their images.
RATE_INPUTS = {"pdf": "pdf_extraction", "latex": "latex_extraction", "jats": "sample_jats"}


def write_plan_rates(path: Path, results: dict, produced: dict) -> None:
    from s1mm_assets.lib.plan.rates import write_result

    rates = {}
    for kind, mode in RATE_INPUTS.items():
        counts = produced[mode]
        origin = f"{counts['papers']} {'sample-generator' if mode.startswith('sample') else 'corpus'} papers ({mode})"
        rates[f"extract.core_seconds_per_paper.{kind}"] = (
            results[mode]["seconds"] / counts["papers"],
            "core-s/paper",
            f"CPU seconds to extract one {kind} paper at 150 dpi, median of the runs; {origin}",
        )
        rates[f"extract.figures_per_paper.{kind}"] = (
            counts["figures"] / counts["papers"],
            "figures/paper",
            f"figures extracted per {kind} paper; {origin}",
        )
        rates[f"extract.image_bytes_per_figure.{kind}"] = (
            counts["image_bytes"] / max(counts["figures"], 1),
            "bytes/figure",
            f"bytes of the figure images (PNG/JPEG as stored in the lake); {origin}",
        )
        rates[f"extract.input_bytes_per_paper.{kind}"] = (
            counts["input_bytes"] / counts["papers"],
            "bytes/paper",
            f"bytes of the input bundles; {origin}",
        )
    write_result(
        path,
        "extraction_throughput",
        rates,
        details={"modes": results, "yields": produced},
        machine_notes={"note": "one process per mode on one core; CPU time of the process and its children"},
    )


if __name__ == "__main__":
    sys.exit(main())
