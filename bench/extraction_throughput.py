"""Extraction speed and peak memory per core, against the floor of only reading the same inputs.

    .venv/bin/python bench/extraction_throughput.py [--corpus ../shared/corpus] [--repeat 3] [--no-peer]

- PDF: every PDF of the corpus's `pdf-*` folders. Floor: open each with PyMuPDF and extract every page's text
  (`page.get_text()`). Extraction: `extract_pdf` at 150 dpi, figure images rendered and PNG-encoded.
- LaTeX: every bundle of `latex-arxiv-filemanager` and every `latex-*` tree. Floor: reading the tarballs (or
  folders) into memory. Extraction: the whole LaTeX extraction (Ghostscript for EPS included).
- Peer: pymupdf4llm writing its pictures of the same PDFs (`--no-peer` skips it).

Each mode runs in its own child process, one at a time on one core, so the peak resident memory (ru_maxrss)
belongs to that mode alone; times are the median of `--repeat` runs. Prints Markdown for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

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


def latex_extraction(paths: list[str]) -> int:
    from s1mm_assets.lib.extract.batch import extract_path

    for path in map(Path, paths):
        extract_path(path, dpi=150)
    return 0


def _timed(mode: str, paths: list[str]) -> tuple[float, int, int]:
    started = time.perf_counter()
    pages = globals()[mode](paths)
    seconds = time.perf_counter() - started
    return seconds, pages, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(mode: str, paths: list[Path], repeat: int) -> dict:
    runs = []
    context = multiprocessing.get_context("spawn")
    for _ in range(repeat):
        with context.Pool(1, maxtasksperchild=1) as pool:
            runs.append(pool.apply(_timed, (mode, [str(path) for path in paths])))
    seconds = statistics.median(run[0] for run in runs)
    return {
        "mode": mode,
        "seconds": seconds,
        "papers": len(paths),
        "pages": runs[0][1],
        "peak_rss_mib": max(run[2] for run in runs) / 1024,
        "runs": [run[0] for run in runs],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true")
    arguments = parser.parse_args()
    pdfs, latex = pdf_files(arguments.corpus), latex_inputs(arguments.corpus)
    if not pdfs:
        print(f"no corpus at {arguments.corpus}", file=sys.stderr)
        return 2
    results = {
        "pdf_floor": measure("pdf_floor", pdfs, arguments.repeat),
        "pdf_extraction": measure("pdf_extraction", pdfs, arguments.repeat),
        "latex_floor": measure("latex_floor", latex, arguments.repeat),
        "latex_extraction": measure("latex_extraction", latex, arguments.repeat),
    }
    if not arguments.no_peer:
        results["pdf_peer"] = measure("pdf_peer", pdfs, 1)
    cpu = os.cpu_count()
    print(f"One process on one core (machine: {cpu} cores); median of {arguments.repeat} runs.\n")
    print(
        "| input | mode | papers | pages | seconds | papers/s | pages/s | peak RSS MiB | speed vs floor | memory vs floor |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    rows = [
        ("PDF", "floor: PyMuPDF open + get_text", "pdf_floor", "pdf_floor"),
        ("PDF", "s1mm extraction (150 dpi)", "pdf_extraction", "pdf_floor"),
        ("PDF", "pymupdf4llm pictures (peer)", "pdf_peer", "pdf_floor"),
        ("LaTeX", "floor: read tarballs / folders", "latex_floor", "latex_floor"),
        ("LaTeX", "s1mm extraction (150 dpi)", "latex_extraction", "latex_floor"),
    ]
    for kind, name, key, floor_key in rows:
        if key not in results:
            continue
        result, floor = results[key], results[floor_key]
        pages = f"{result['pages'] / result['seconds']:.0f}" if result["pages"] else "-"
        print(
            f"| {kind} | {name} | {result['papers']} | {result['pages'] or '-'} | {result['seconds']:.2f} "
            f"| {result['papers'] / result['seconds']:.1f} | {pages} | {result['peak_rss_mib']:.0f} "
            f"| {floor['seconds'] / result['seconds']:.2f} | {result['peak_rss_mib'] / floor['peak_rss_mib']:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
