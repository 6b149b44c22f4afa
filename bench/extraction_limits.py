"""What real papers cost to extract, one paper at a time: the distribution the per-paper limits are set from.

    PYTHONPATH=. .venv/bin/python bench/extraction_limits.py --corpus ../shared/corpus [--json-out limits.jsonl]

Every paper of the corpus (LaTeX trees and arXiv upload bundles, JATS packages, PDFs) is extracted in a process of
its own, forked from one that has imported the extraction code and done nothing else, so each paper's numbers
are its own: wall-clock seconds, CPU seconds (Ghostscript included), the peak address space above the idle
process (`VmPeak`: what a sandbox worker's `RLIMIT_AS` caps beyond its idle size), the peak resident memory of
the process (Ghostscript's, when larger), the bytes of images it outputs, the bytes
its bundle unpacks to, and the largest input image it decodes (pixels). The summary prints percentiles and the
maximum of each, and the limits in force (`s1mm config`) beside them.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

from PIL import Image

from s1mm_assets.lib.extract import detect_kind, extract_files, open_bundle
from s1mm_assets.lib.extract.bundle import read_folder
from s1mm_assets.lib.extract.evaluation import latex_units
from s1mm_assets.lib.settings import ExtractionSettings

_MEASURES = (
    ("wall_s", "wall s", "{:.2f}"),
    ("cpu_s", "CPU s", "{:.2f}"),
    ("added_address_space_mib", "peak address space above idle MiB (what paper_memory_mib caps)", "{:.0f}"),
    ("peak_rss_mib", "peak resident memory MiB (whole process)", "{:.0f}"),
    ("output_mib", "image output MiB", "{:.2f}"),
    ("unpacked_mib", "unpacked bundle MiB", "{:.2f}"),
    ("largest_image_mpx", "largest input image Mpx", "{:.1f}"),
)


def papers(corpus: Path) -> list[tuple[str, Path]]:
    """(kind of unit, path) for every paper of the corpus."""
    units = [("latex tree", folder) for _, folder, _ in latex_units(corpus)]
    units += [("arXiv bundle", path) for path in sorted((corpus / "latex-arxiv-filemanager").rglob("*.*gz"))]
    for folder in sorted(corpus.glob("pdf-*")):
        for path in sorted(folder.rglob("*.pdf")):
            units.append(("PDF", path))
        for package in sorted(path for path in folder.glob("PMC*") if path.is_dir()):
            units.append(("JATS package", package))
    return units


def _status(field: str) -> int:
    """A /proc/self/status field in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _measure_one(path: Path, idle_kib: int) -> dict:
    started, cpu_started = time.perf_counter(), time.process_time()
    files = read_folder(path) if path.is_dir() else open_bundle(path.name, path.read_bytes())
    largest = 0
    for name, data in files.files.items():
        if name.lower().endswith((".png", ".jpg", ".jpeg", ".tif", ".tiff", ".gif", ".bmp", ".webp")):
            try:
                with Image.open(io.BytesIO(data)) as image:
                    largest = max(largest, image.width * image.height)
            except Exception:  # noqa: BLE001 - an undecodable file has no size to report
                pass
    extraction = extract_files(files, detect_kind(files))
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "figures": len(extraction.figures),
        "wall_s": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu_started + children.ru_utime + children.ru_stime,
        "added_address_space_mib": max(0, _status("VmPeak") - idle_kib) / 1024,
        "peak_rss_mib": max(_status("VmHWM"), children.ru_maxrss) / 1024,
        "output_mib": sum(len(figure.image.data) for figure in extraction.figures) / 2**20,
        "unpacked_mib": sum(len(data) for data in files.files.values()) / 2**20,
        "largest_image_mpx": largest / 1e6,
    }


def measure(path: Path) -> dict:
    """One paper in a forked child: the child's own peaks, whatever the parent did before."""
    reader, writer = os.pipe()
    idle = _status("VmPeak")
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        try:
            result = _measure_one(path, idle)
        except Exception as error:  # noqa: BLE001 - report it as this paper's result
            result = {"error": f"{type(error).__name__}: {error}"}
        os.write(writer, json.dumps(result).encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as stream:
        answer = stream.read()
    os.waitpid(pid, 0)
    return json.loads(answer) if answer else {"error": "the child died"}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    parser.add_argument("--json-out", type=Path)
    arguments = parser.parse_args()
    if not arguments.corpus.is_dir():
        print(f"no corpus at {arguments.corpus}", file=sys.stderr)
        return 2
    idle = _status("VmPeak") / 1024
    results = []
    for kind, path in papers(arguments.corpus):
        result = {"kind": kind, "paper": str(path.relative_to(arguments.corpus)), **measure(path)}
        results.append(result)
        print(json.dumps(result), file=sys.stderr, flush=True)
    if arguments.json_out:
        arguments.json_out.write_text("".join(json.dumps(result) + "\n" for result in results))
    measured = [result for result in results if "error" not in result]
    print(f"{len(results)} papers ({len(results) - len(measured)} errors), idle worker address space {idle:.0f} MiB,")
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}\n")
    print("| measure | median | p90 | p99 | max | slowest / largest paper |")
    print("|---|---|---|---|---|---|")
    for key, title, number in _MEASURES:
        values = [result[key] for result in measured]
        worst = max(measured, key=lambda result, key=key: result[key])
        cells = [number.format(statistics.median(values))]
        cells += [number.format(percentile(values, share)) for share in (0.9, 0.99)]
        cells.append(number.format(max(values)))
        print(f"| {title} | {' | '.join(cells)} | {worst['paper']} |")
    limits = ExtractionSettings()
    print(f"\nlimits in force: {limits.model_dump()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
