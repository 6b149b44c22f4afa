"""Peak memory and time of each pipeline stage on sample partitions of growing size, each stage in its own process.

    python bench/stage_memory.py [--papers 50 500 2000] [--source biorxiv] [--output bench/results/stage_memory.json]

A partition grows 40-fold from 50 to 2,000 papers; a stage that holds the partition in memory grows with it, one
that streams stays flat. So every stage of one partition runs in a fresh Python process (`--stage`, started by this
script), on the embedded defaults (no CLIP or masked-LM model, the `context` captioner), and reports its own peak
resident set (VmHWM), that of its largest worker process (the figures stage extracts in sandbox workers), its
RSS before the stage started (the interpreter and imports), and its wall time.

The sample generator draws every figure with matplotlib, 1.3-2.5 s per bioRxiv paper on a 2-core machine: slower
than any stage. So
the partition's bundles are generated once into `--bundles` (a cache folder outside the repository, reused by
later runs) and the `raw_papers` stage reads them from there, as it would read a local folder's bundles: its
figures measure the stage, not the generator. The bundles are byte-identical to SampleSource's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import pickle
import platform
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

MONTH = "2024-03"
STAGES = (
    "paper_listing",
    "raw_papers",
    "figures",
    "contexts",
    "enhanced_captions",
    "quality_scores",
    "figure_ownership",
    "release_shards",
)
DEFAULT_BUNDLES = Path(tempfile.gettempdir()) / "s1mm-stage-memory-bundles"
RESULT = Path(__file__).parent / "results" / "stage_memory.json"


@functools.cache
def _cached_sample_class() -> type:
    """CachedSample, defined on first use: the sample generator imports matplotlib, which a stage that never
    generates a paper must not carry in its measured process."""
    from s1mm_assets.lib.sources.base import CatalogEntry, PaperBundle
    from s1mm_assets.lib.sources.sample import SampleSource

    class CachedSample(SampleSource):
        """SampleSource whose catalog entries and bundles are generated once and then read from `folder`."""

        def __init__(self, papers_per_partition: int, folder: Path):
            super().__init__(papers_per_partition)
            self.folder = folder

        def catalog(self, source: str, month: str) -> Iterator[CatalogEntry]:
            for index in range(self.papers_per_partition):
                if not self._path(source, month, index, "entry").exists():
                    self._generate(source, month, index)
                yield pickle.loads(self._path(source, month, index, "entry").read_bytes())

        def bundle(self, source: str, month: str, entry: CatalogEntry) -> PaperBundle:
            path = self._path(source, month, int(entry.location), "bundle")
            if not path.exists():
                self._generate(source, month, int(entry.location))
            return PaperBundle(entry.paper_id, source, month, entry.filename, path.read_bytes(), entry.metadata)

        def prepare(self, source: str, month: str, indices: Iterable[int] | None = None) -> None:
            """Generate every paper of the partition (or of `indices`) that the folder lacks."""
            for index in range(self.papers_per_partition) if indices is None else indices:
                if not all(self._path(source, month, index, kind).exists() for kind in ("entry", "bundle")):
                    self._generate(source, month, index)

        def _generate(self, source: str, month: str, index: int) -> None:
            bundle = self.generate_paper(source, month, index).bundle
            entry = CatalogEntry(bundle.paper_id, bundle.filename, str(index), bundle.metadata)
            _write_atomically(self._path(source, month, index, "entry"), pickle.dumps(entry))
            _write_atomically(self._path(source, month, index, "bundle"), bundle.content)

        def _path(self, source: str, month: str, index: int, kind: str) -> Path:
            return self.folder / source / month / f"{index}.{kind}"

    return CachedSample


def cached_sample(papers: int, folder: Path):
    """The sample corpus's partition of `papers` papers, generated once into `folder`."""
    return _cached_sample_class()(papers, folder)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.partial")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def run_stage(stage: str, lake_folder: str, source: str, papers: int, bundles: Path) -> dict:
    """Run one stage on the partition in this process; what it cost. Only that stage's modules are imported, so
    the process's peak is the stage's own."""
    from s1mm_assets.lib.lake import Lake

    lake = Lake(lake_folder)
    run = _stage_runner(stage, lake, source, papers, bundles)
    rss_at_start = _current_rss_mib()
    started = time.perf_counter()
    report = run()
    seconds = time.perf_counter() - started
    return {
        "stage": stage,
        "papers": papers,
        "rows": report.rows,
        "seconds": round(seconds, 2),
        "peak_rss_mib": round(_status_mib("VmHWM"), 1),
        "rss_at_start_mib": round(rss_at_start, 1),
        "worker_peak_rss_mib": round(_max_rss_mib(resource.RUSAGE_CHILDREN), 1) or None,
    }


def _stage_runner(stage: str, lake, source: str, papers: int, bundles: Path) -> Callable:
    """The stage as called on the embedded defaults, its modules imported."""
    if stage in ("paper_listing", "raw_papers"):
        from s1mm_assets.lib.settings import GateSettings
        from s1mm_assets.lib.sources.offline import OfflineConnector

        backend = cached_sample(papers, bundles)
        connector, policy = OfflineConnector(backend, source), GateSettings().license_policy
        if stage == "paper_listing":
            from s1mm_assets.lib.stages.paper_listing import list_papers

            return lambda: list_papers(lake, connector, source, MONTH, backend=backend.name, policy=policy)
        from s1mm_assets.lib.stages.raw_papers import fetch_papers

        return lambda: fetch_papers(lake, connector, source, MONTH, policy=policy)
    if stage == "figures":
        from s1mm_assets.lib.stages.figures import extract_figures

        return lambda: extract_figures(lake, source, MONTH)
    if stage == "contexts":
        from s1mm_assets.lib.stages.contexts import build_contexts

        return lambda: build_contexts(lake, source, MONTH)
    if stage == "enhanced_captions":
        from s1mm_assets.lib.caption.backends import open_backend
        from s1mm_assets.lib.settings import CaptionerSettings
        from s1mm_assets.lib.stages.captions import enhance_captions

        def captions():
            captioner = open_backend(CaptionerSettings())
            try:
                return enhance_captions(lake, source, MONTH, captioner)
            finally:
                captioner.close()

        return captions
    if stage == "quality_scores":
        from s1mm_assets.lib.stages.quality import score_quality

        return lambda: score_quality(lake, source, MONTH)
    if stage == "figure_ownership":
        from s1mm_assets.lib.stages.ownership import decide_ownership

        return lambda: decide_ownership(lake, source, MONTH)
    from s1mm_assets.lib.stages.release import publish_release

    return lambda: publish_release(lake, source, MONTH)


def _current_rss_mib() -> float:
    return _status_mib("VmRSS")


def _status_mib(field: str) -> float:
    """A memory figure of this process from /proc/self/status. Its peak, VmHWM, belongs to the address space, which
    exec replaces; ru_maxrss would also count the parent's resident set at the fork that started this process."""
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith(f"{field}:"))
    return int(line.split()[1]) / 1024


def _max_rss_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


def measure(papers: list[int], source: str, bundles: Path) -> list[dict]:
    measured = []
    for count in papers:
        print(f"generating or reusing {count} {source} bundles in {bundles}", file=sys.stderr, flush=True)
        # in a process of its own: the generator's matplotlib must not swell this one, whose children the stages are
        prepare = [sys.executable, __file__, "--prepare", "--source", source, "--papers", str(count)]
        subprocess.run([*prepare, "--bundles", str(bundles)], check=True)
        with tempfile.TemporaryDirectory(prefix="s1mm-stage-memory-") as lake:
            for stage in STAGES:
                command = [sys.executable, __file__, "--stage", stage, "--lake", lake, "--source", source]
                command += ["--papers", str(count), "--bundles", str(bundles)]
                completed = subprocess.run(command, capture_output=True, text=True, check=False)
                if completed.returncode != 0:
                    raise SystemExit(f"{stage} on {count} papers failed:\n{completed.stderr[-4000:]}")
                result = json.loads(completed.stdout.splitlines()[-1])
                print(json.dumps(result), file=sys.stderr, flush=True)
                measured.append(result)
    return measured


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), platform.processor())
    memory_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024**2, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def code_revision() -> str:
    """The git commit of the s1mm_assets the stages imported (PYTHONPATH decides which), "+uncommitted" when its
    checkout has changes to it."""
    import s1mm_assets

    root = Path(s1mm_assets.__file__).resolve().parent.parent
    revision = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True)
    if revision.returncode != 0:
        return f"unknown: {root} is not a git checkout"
    dirty = subprocess.run(["git", "status", "--porcelain", "s1mm_assets"], cwd=root, capture_output=True, text=True)
    return revision.stdout.strip() + ("+uncommitted" if dirty.stdout.strip() else "")


def markdown(results: list[dict]) -> str:
    sizes = sorted({row["papers"] for row in results})
    by = {(row["stage"], row["papers"]): row for row in results}
    header = "| stage | " + " | ".join(f"{n} papers: peak MiB, s" for n in sizes) + " |"
    lines = [header, "|---" * (len(sizes) + 1) + "|"]
    for stage in STAGES:
        cells = []
        for n in sizes:
            row = by.get((stage, n))
            cells.append(f"{_peak(row)}, {row['seconds']:.1f}" if row else "")
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _peak(row: dict) -> str:
    worker = row.get("worker_peak_rss_mib")
    return f"{row['peak_rss_mib']:.0f}" + (f" (worker {worker:.0f})" if worker else "")


def _indices(arguments: argparse.Namespace) -> range | None:
    return range(*arguments.indices) if arguments.indices else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, nargs="+", default=[50, 500, 2000])
    parser.add_argument("--source", default="biorxiv")
    parser.add_argument("--bundles", type=Path, default=DEFAULT_BUNDLES, help="where generated bundles are kept")
    parser.add_argument("--output", type=Path, default=RESULT)
    parser.add_argument("--prepare", action="store_true", help="only generate the bundles")
    parser.add_argument("--indices", type=int, nargs=2, metavar=("FIRST", "STOP"), help="with --prepare: these only")
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--lake", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.stage:
        measured = run_stage(arguments.stage, arguments.lake, arguments.source, arguments.papers[0], arguments.bundles)
        print(json.dumps(measured))
        return 0
    if arguments.prepare:
        cached_sample(max(arguments.papers), arguments.bundles).prepare(arguments.source, MONTH, _indices(arguments))
        return 0
    load_before = os.getloadavg()[0]
    started = dt.datetime.now(dt.UTC)
    results = measure(arguments.papers, arguments.source, arguments.bundles)
    document = {
        "benchmark": "stage_memory",
        "date": started.isoformat(timespec="seconds"),
        "command": shlex.join(["python", "bench/stage_memory.py", *sys.argv[1:]]),
        "code_revision": code_revision(),
        "machine": machine() | {"load_average_before": load_before, "load_average_after": os.getloadavg()[0]},
        "source": arguments.source,
        "month": MONTH,
        "settings": "embedded defaults: no CLIP or masked-LM model, the context captioner, figures' default workers",
        "units": {
            "peak_rss_mib": "MiB, the stage process's peak resident set (VmHWM, imports included)",
            "rss_at_start_mib": "MiB resident after imports, before the stage ran",
            "worker_peak_rss_mib": "MiB, ru_maxrss of the largest worker process the stage waited for (Linux counts in "
            "it the stage process's resident set when the worker was forked)",
            "seconds": "wall-clock seconds of the stage function (machine shared: see load averages)",
        },
        "results": results,
    }
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(document, indent=2) + "\n")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
