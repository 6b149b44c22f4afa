"""CPU cost of the stages that run no model, on sample partitions: contexts (per paper), the quality stage without
scoring models (per figure: decoding, perceptual hash, grounding, licence, duplicates within the partition and
against earlier releases) and the release (per figure: shards, metadata, card, manifest); and the bytes a release
stores per figure beside the figure's image.

    .venv/bin/python bench/stage_cpu.py --papers 24 --repeats 3 --results bench/results/stage_cpu.json

Partitions of 2024-01 for arxiv, biorxiv, chemrxiv and nature_communications are made by the pipeline's own stages
(sample corpus; captions by the context captioner, untimed). Each timed stage then runs `--repeats` times over all
partitions (the stages are idempotent); CPU seconds of this process (all its threads), medians. The sample papers
are synthetic: their figures and text are smaller than real papers', so these rates are lower bounds until a run
on real partitions replaces them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from s1mm_assets.lib.caption import ContextFusionBackend  # noqa: E402
from s1mm_assets.lib.lake import Lake  # noqa: E402
from s1mm_assets.lib.sources.sample import SampleSource  # noqa: E402
from s1mm_assets.lib.stages.captions import enhance_captions  # noqa: E402
from s1mm_assets.lib.stages.contexts import build_contexts  # noqa: E402
from s1mm_assets.lib.stages.figures import extract_figures  # noqa: E402
from s1mm_assets.lib.stages.quality import score_quality  # noqa: E402
from s1mm_assets.lib.stages.raw_papers import collect_papers  # noqa: E402
from s1mm_assets.lib.stages.release import publish_release, release_folder  # noqa: E402

SOURCES = ("arxiv", "biorxiv", "chemrxiv", "nature_communications")
MONTH = "2024-01"
TIMED = {"contexts": build_contexts, "quality_scores": score_quality, "release_shards": publish_release}


def cpu_seconds(stage, lake: Lake) -> float:
    started = time.process_time()
    for source in SOURCES:
        stage(lake, source, MONTH)
    return time.process_time() - started


def release_sizes(lake: Lake) -> tuple[int, int, int]:
    """Released figures, bytes of the release folders, bytes of the released figures' images."""
    figures = folder_bytes = image_bytes = 0
    for source in SOURCES:
        images = {row["figure_id"]: row["image_path"] for row in lake.read_table("figures", source, MONTH).to_pylist()}
        released = [row for row in lake.read_table("quality", source, MONTH).to_pylist() if row["passed"]]
        figures += len(released)
        image_bytes += sum(lake.local_path(images[row["figure_id"]]).stat().st_size for row in released)
        folder = lake.local_path(release_folder(source, MONTH))
        folder_bytes += sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    return figures, folder_bytes, image_bytes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=24, help="sample papers per partition")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--results", type=Path, help="write the rates a capacity plan reads here")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="s1mm-stage-bench-") as scratch:
        lake = Lake(scratch)
        backend = SampleSource(papers_per_partition=arguments.papers)
        for source in SOURCES:
            collect_papers(lake, backend, source, MONTH)
            extract_figures(lake, source, MONTH)
            build_contexts(lake, source, MONTH)
            enhance_captions(lake, source, MONTH, ContextFusionBackend())
        papers = sum(lake.read_table("papers", source, MONTH).num_rows for source in SOURCES)
        figures = sum(lake.read_table("figures", source, MONTH).num_rows for source in SOURCES)
        runs: dict[str, list[float]] = {stage: [] for stage in TIMED}
        for _ in range(arguments.repeats):
            for name, stage in TIMED.items():  # in pipeline order: each reads what the one before wrote
                runs[name].append(cpu_seconds(stage, lake))
        released, folder_bytes, image_bytes = release_sizes(lake)
    seconds = {name: statistics.median(values) for name, values in runs.items()}
    print(f"{papers} sample papers, {figures} figures ({released} released), median of {arguments.repeats} runs\n")
    print("| stage | CPU s (median) | runs | per paper | per figure |")
    print("|---|---|---|---|---|")
    for name, value in seconds.items():
        print(
            f"| {name} | {value:.2f} | {', '.join(f'{run:.2f}' for run in runs[name])} "
            f"| {value / papers * 1e3:.1f} ms | {value / figures * 1e3:.1f} ms |"
        )
    metadata = (folder_bytes - image_bytes) / max(released, 1)
    print(
        f"\nrelease: {folder_bytes / 1e6:.1f} MB for {released} figures, "
        f"{metadata:,.0f} bytes a figure beside its image"
    )
    if arguments.results:
        from s1mm_assets.lib.plan.rates import write_result

        origin = f"{papers} sample-generator papers, {figures} figures, 4 partitions"
        write_result(
            arguments.results,
            "stage_cpu",
            {
                "contexts.core_seconds_per_paper": (
                    seconds["contexts"] / papers,
                    "core-s/paper",
                    f"CPU seconds of the contexts stage per paper; {origin}",
                ),
                "score.quality.core_seconds_per_figure": (
                    seconds["quality_scores"] / figures,
                    "core-s/figure",
                    "CPU seconds of the quality stage without scoring models per figure (decoding, perceptual "
                    f"hash, grounding, licence, duplicates); {origin}",
                ),
                "release.core_seconds_per_figure": (
                    seconds["release_shards"] / figures,
                    "core-s/figure",
                    f"CPU seconds of the release stage per figure of the partition; {origin}",
                ),
                "release.metadata_bytes_per_figure": (
                    metadata,
                    "bytes/figure",
                    "bytes a release stores per released figure beside its image (JSON in the shards, metadata "
                    f"JSONL, card, manifest, tar headers); {origin}",
                ),
            },
            details={"cpu_seconds": runs, "papers": papers, "figures": figures, "released": released},
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
