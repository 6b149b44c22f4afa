"""Scoring throughput: figures per second for CLIP and for pseudo-perplexity, tiny vs full-size random models.

One figure's CLIP work is what `quality_scores` does for it: embed the image, score the raw and the enhanced
caption (long captions in sentence chunks, plus the truncated score). One figure's pseudo-perplexity work is
both captions, one masked copy per token. The figures and captions are those of sample partitions made by the
pipeline's own stages (sample corpus, context captioner). Models have random weights (nothing can be
downloaded here) saved to disk and loaded through the same code as real ones: throughput does not depend on
the weights' values.

    .venv/bin/python bench/score_throughput.py --threads 1             # CPU, the numbers in BENCHMARKS.md
    .venv/bin/python bench/score_throughput.py --device cuda --figures 512 --base-figures 128   # a GPU

A GPU machine without the extraction stack (PyMuPDF) scores figures prepared elsewhere: `--save-figures DIR`
writes the sample figures (images + `figures.jsonl`) and stops; `--figures-dir DIR` reads them instead of
generating partitions.

Each configuration runs `--repeats` times side by side in one process; the median is reported, with the ratio
to the tiny model's median. Model loading is timed once, separately. "images on 1 thread" is the tiny CLIP with
its images read and preprocessed on one thread instead of the loader pool (one per CPU the process may use, at most 8).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from s1mm_assets.lib.score import clip as clip_module  # noqa: E402
from s1mm_assets.lib.score.clip import ClipModel  # noqa: E402
from s1mm_assets.lib.score.perplexity import MaskedLanguageModel  # noqa: E402
from s1mm_assets_tests.models import save_tiny_clip, save_tiny_masked_lm  # noqa: E402

PARTITIONS = [
    ("arxiv", "2024-01"),
    ("biorxiv", "2024-01"),
    ("chemrxiv", "2024-01"),
    ("nature_communications", "2024-01"),
]


def sample_figures(scratch: Path, images: Path, count: int) -> list[tuple[str, str, str]]:
    """(image path, raw caption, enhanced caption) of the first `count` figures of the sample partitions; the
    partitions are made under `scratch`, the images written to `images`."""
    from s1mm_assets.lib.caption import ContextFusionBackend
    from s1mm_assets.lib.lake import Lake
    from s1mm_assets.lib.sources import open_source_backend
    from s1mm_assets.lib.stages.captions import enhance_captions
    from s1mm_assets.lib.stages.contexts import build_contexts
    from s1mm_assets.lib.stages.figures import extract_figures
    from s1mm_assets.lib.stages.raw_papers import collect_papers

    lake = Lake(str(scratch / "lake"))
    images.mkdir(parents=True, exist_ok=True)
    # About 3.5 figures a sample paper, four partitions.
    backend = open_source_backend("sample", sample_papers_per_partition=max(8, count // 12 + 1))
    figures: list[tuple[str, str, str]] = []
    for source, month in PARTITIONS:
        collect_papers(lake, backend, source, month)
        extract_figures(lake, source, month)
        build_contexts(lake, source, month)
        enhance_captions(lake, source, month, ContextFusionBackend())
        captions = {row["figure_id"]: row for row in lake.read_table("captions", source, month).to_pylist()}
        for figure in lake.read_table("figures", source, month).to_pylist()[: count - len(figures)]:
            enhanced = captions[figure["figure_id"]]["enhanced_caption"] or ""
            image = images / f"{len(figures):05d}.{figure['image_path'].rsplit('.', 1)[-1]}"
            image.write_bytes(lake.read_bytes(figure["image_path"]))
            figures.append((str(image), figure["raw_caption"] or "", enhanced))
        if len(figures) >= count:
            break
    if len(figures) < count:
        raise SystemExit(f"only {len(figures)} sample figures; ask for fewer")
    return figures


def save_figures(figures: list[tuple[str, str, str]], folder: Path) -> None:
    """The captions beside the images `sample_figures` already wrote to `folder`."""
    with open(folder / "figures.jsonl", "w") as lines:
        for image, raw, enhanced in figures:
            lines.write(json.dumps({"image": Path(image).name, "raw": raw, "enhanced": enhanced}) + "\n")


def load_figures(folder: Path, count: int) -> list[tuple[str, str, str]]:
    rows = [json.loads(line) for line in (folder / "figures.jsonl").read_text().splitlines()]
    if len(rows) < count:
        raise SystemExit(f"only {len(rows)} prepared figures in {folder}; ask for fewer")
    return [(str(folder / row["image"]), row["raw"], row["enhanced"]) for row in rows[:count]]


def _read_file(path: str) -> bytes:
    return Path(path).read_bytes()


def clip_seconds(clip: ClipModel, figures: list, batch_size: int) -> float:
    start = time.perf_counter()
    images = clip.image_embeddings([path for path, _, _ in figures], _read_file, batch_size)
    clip.caption_scores(images, [raw for _, raw, _ in figures], batch_size)
    clip.caption_scores(images, [enhanced for _, _, enhanced in figures], batch_size)
    if clip.device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - start


def one_loader_thread_clip_seconds(clip: ClipModel, figures: list, batch_size: int) -> float:
    """`clip_seconds` with the images read and preprocessed on one thread, as before the loader pool."""
    default = clip_module._loader_threads
    clip_module._loader_threads = lambda: 1
    try:
        return clip_seconds(clip, figures, batch_size)
    finally:
        clip_module._loader_threads = default


def perplexity_seconds(lm: MaskedLanguageModel, figures: list, batch_size: int) -> float:
    start = time.perf_counter()
    lm.pseudo_perplexities([text for _, raw, enhanced in figures for text in (raw, enhanced)], batch_size)
    if lm.device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - start


def full_size_clip(folder: Path, architecture: str, device: str) -> ClipModel:
    """An open_clip architecture (ViT-B-32 by default) with random weights written to a file, loaded by
    architecture name + weights file."""
    import open_clip

    torch.manual_seed(0)
    weights = folder / f"{architecture}-random.pt"
    torch.save(open_clip.create_model(architecture).state_dict(), weights)
    return ClipModel.load(architecture, str(weights), device=device)


def full_size_masked_lm(folder: Path, captions: list[str], device: str) -> MaskedLanguageModel:
    """BERT-base dimensions (SciBERT's: 12 layers, 768 wide), random weights, a WordPiece vocabulary trained
    on the captions scored."""
    return MaskedLanguageModel.load(
        str(
            save_tiny_masked_lm(
                folder / "bert-base",
                corpus=captions,
                vocab_size=8000,
                max_positions=512,
                hidden_size=768,
                num_hidden_layers=12,
                num_attention_heads=12,
                intermediate_size=3072,
            )
        ),
        device=device,
    )


def _millions(clip: ClipModel) -> int:
    return round(sum(parameter.numel() for parameter in clip.model.parameters()) / 1e6)


def timed_load(make):
    start = time.perf_counter()
    model = make()
    return model, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--figures", type=int, default=48, help="figures per timed pass, tiny models and ViT-B-32")
    parser.add_argument("--base-figures", type=int, default=8, help="figures per timed pass, BERT-base size")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads; 0: torch's default")
    parser.add_argument("--clip-architecture", default="ViT-B-32", help="the full-size CLIP (open_clip name)")
    prepared = parser.add_mutually_exclusive_group()
    prepared.add_argument("--save-figures", type=Path, help="write the sample figures here and stop")
    prepared.add_argument("--figures-dir", type=Path, help="score figures written by --save-figures")
    arguments = parser.parse_args()
    if arguments.threads:
        torch.set_num_threads(arguments.threads)

    with tempfile.TemporaryDirectory(prefix="s1mm-bench-") as scratch:
        folder = Path(scratch)
        wanted = max(arguments.figures, arguments.base_figures)
        if arguments.figures_dir:
            figures = load_figures(arguments.figures_dir, wanted)
        else:
            figures = sample_figures(folder, arguments.save_figures or folder / "images", wanted)
        if arguments.save_figures:
            save_figures(figures, arguments.save_figures)
            print(f"{len(figures)} figures written to {arguments.save_figures}")
            return 0
        device = arguments.device
        print(
            f"# {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, torch "
            f"{torch.__version__}, {torch.get_num_threads()} threads, device {device}, batch {arguments.batch_size}, "
            f"{arguments.repeats} repeats"
        )
        tiny_clip, tiny_clip_load = timed_load(
            lambda: ClipModel.load(str(save_tiny_clip(folder / "clip")), device=device)
        )
        big_clip, big_clip_load = timed_load(lambda: full_size_clip(folder, arguments.clip_architecture, device))
        captions = [text for _, raw, enhanced in figures for text in (raw, enhanced)]
        tiny_lm, tiny_lm_load = timed_load(
            lambda: MaskedLanguageModel.load(
                str(save_tiny_masked_lm(folder / "mlm", corpus=captions, vocab_size=8000, max_positions=512)),
                device=device,
            )
        )
        big_lm, big_lm_load = timed_load(lambda: full_size_masked_lm(folder, captions, device))

        configurations = [
            (
                "CLIP",
                "tiny (3.4 M params)",
                tiny_clip_load,
                arguments.figures,
                lambda n: clip_seconds(tiny_clip, figures[:n], arguments.batch_size),
            ),
            (
                "CLIP",
                "tiny, images on 1 thread",
                tiny_clip_load,
                arguments.figures,
                lambda n: one_loader_thread_clip_seconds(tiny_clip, figures[:n], arguments.batch_size),
            ),
            (
                "CLIP",
                f"{arguments.clip_architecture} size ({_millions(big_clip)} M)",
                big_clip_load,
                arguments.figures,
                lambda n: clip_seconds(big_clip, figures[:n], arguments.batch_size),
            ),
            (
                "pseudo-perplexity",
                "tiny BERT (0.3 M)",
                tiny_lm_load,
                arguments.figures,
                lambda n: perplexity_seconds(tiny_lm, figures[:n], arguments.batch_size),
            ),
            (
                "pseudo-perplexity",
                "BERT-base size (110 M)",
                big_lm_load,
                arguments.base_figures,
                lambda n: perplexity_seconds(big_lm, figures[:n], arguments.batch_size),
            ),
        ]
        timings: dict[str, list[float]] = {label: [] for _, label, _, _, _ in configurations}
        for _ in range(arguments.repeats):  # interleaved, so a busy moment of the machine hits every model
            for _, label, _, count, run in configurations:
                timings[label].append(count / run(count))
        tokens = [len(tiny_lm.token_ids(text)) for text in captions]
        clip_tokens = [tiny_clip.count_tokens(enhanced) for _, _, enhanced in figures]
        print(
            f"# {len(figures)} sample figures; captions {statistics.mean(tokens):.0f} WordPiece tokens on average; "
            f"{sum(t > tiny_clip.chunk_tokens for t in clip_tokens)} enhanced captions longer than CLIP's context"
        )
        print("| metric | model | load s | figures per pass | figures/s (median) | min-max | vs tiny |")
        print("|---|---|---|---|---|---|---|")
        tiny_median: dict[str, float] = {}
        for metric, label, load, count, _ in configurations:
            median = statistics.median(timings[label])
            tiny_median.setdefault(metric, median)
            print(
                f"| {metric} | {label} | {load:.1f} | {count} | {median:.2f} | "
                f"{min(timings[label]):.2f}-{max(timings[label]):.2f} | {median / tiny_median[metric]:.3f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
