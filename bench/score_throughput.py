"""Scoring throughput: this checkout's scoring code against the code before issue 15, side by side in one run.

"before" is `s1mm_assets/lib/score/{clip,perplexity}.py` at `--baseline` (a git revision, default the last commit
before issue 15's scoring changes, or a folder holding those two files where there is no git history): float32
only, images decoded on threads of the scoring process, masked copies built as Python lists, batches of
`--batch-size` copies. "now" is this checkout: autocast half precision where asked, images decoded by worker
processes, masked copies made on the device by one gather, batches of a token budget. Both run on the same models
(one set of weights, loaded once), the same figures, in interleaved passes, so a busy moment hits both.

One figure's CLIP work is what `quality_scores` does for it: embed the image, score the raw and the enhanced
caption (long captions in sentence chunks, plus the truncated score). Pseudo-perplexity is reported per caption:
one masked copy per token. Figures and captions are those of sample partitions made by the pipeline's own stages
(sample corpus, context captioner); `--caption-tokens N` makes every pseudo-perplexity caption N WordPiece tokens
long from the same words (S1-MMAlign's enhanced captions run to ~150). Models have random weights (nothing can be
downloaded here) saved to disk and loaded through the same code as real ones: throughput does not depend on the
weights' values. "tiny" models cost next to nothing in the model, so their rate is the cost of everything around
it (reading, decoding, tokenising, Python).

    .venv/bin/python bench/score_throughput.py --threads 1 --results bench/results/score_throughput_cpu.json
    bench/gpu/score.sh      # a CUDA device: ViT-L-14 and BERT-base, float32 and bfloat16 (bench/gpu/README.md)

A GPU machine without the extraction stack (PyMuPDF) scores figures prepared elsewhere: `--save-figures DIR`
writes the sample figures (images + `figures.jsonl`) and stops; `--figures-dir DIR` reads them instead of
generating partitions. Asking for more figures than there are repeats them in order (decoding is not cached).

Each configuration runs `--repeats` times, interleaved, after one untimed warm-up pass; the median is reported,
with the ratio to "before" on the same model and the CPU seconds (this process and its finished children) per
item. `--results` writes the rates a capacity plan reads (`s1mm plan`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from s1mm_assets.lib.score.perplexity import MaskedLanguageModel  # noqa: E402
from s1mm_assets.lib.settings import CLIP_PROCESSES_FROM_IMAGES  # noqa: E402
from s1mm_assets_tests.models import save_tiny_masked_lm  # noqa: E402

# The scoring code before issue 15: float32, images decoded on a thread pool, masked copies built in Python.
BASELINE = "6325d25"
SCORE_MODULES = ("clip", "perplexity")
PARTITIONS = [
    ("arxiv", "2024-01"),
    ("biorxiv", "2024-01"),
    ("chemrxiv", "2024-01"),
    ("nature_communications", "2024-01"),
]


# --- inputs -------------------------------------------------------------------------------------------------------


def sample_figures(scratch: Path, images: Path, count: int) -> list[tuple[str, str, str]]:
    """(image path, raw caption, enhanced caption) of the first `count` figures of the sample partitions; the
    partitions are made under `scratch`, the images written to `images`."""
    from s1mm_assets.lib.caption import ContextFusionBackend
    from s1mm_assets.lib.lake import Lake
    from s1mm_assets.lib.sources.sample import SampleSource
    from s1mm_assets.lib.stages.captions import enhance_captions
    from s1mm_assets.lib.stages.contexts import build_contexts
    from s1mm_assets.lib.stages.figures import extract_figures
    from s1mm_assets.lib.stages.raw_papers import collect_papers

    lake = Lake(str(scratch / "lake"))
    images.mkdir(parents=True, exist_ok=True)
    # About 3.5 figures a sample paper, four partitions.
    backend = SampleSource(papers_per_partition=max(8, count // 12 + 1))
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


def load_figures(folder: Path) -> list[tuple[str, str, str]]:
    rows = [json.loads(line) for line in (folder / "figures.jsonl").read_text().splitlines()]
    return [(str(folder / row["image"]), row["raw"], row["enhanced"]) for row in rows]


def repeated(items: list, count: int) -> list:
    """The first `count` items, starting again from the first when there are fewer."""
    return [items[index % len(items)] for index in range(count)]


def captions_of_length(lm: MaskedLanguageModel, figures: list, tokens: int, count: int) -> list[str]:
    """`count` captions of `tokens` WordPiece tokens each, made of the figures' caption words in order."""
    words = " ".join(text for _, raw, enhanced in figures for text in (raw, enhanced)).split()
    captions = []
    for index in range(count):
        start = index * tokens % len(words)
        # a word is at least one token, so `tokens` words make at least `tokens` tokens
        ids = lm.token_ids(" ".join(repeated(words[start:] + words, tokens)))
        captions.append(lm.tokenizer.decode(ids[:tokens]))
    return captions


# --- the code before ----------------------------------------------------------------------------------------------


def baseline_modules(where: str) -> dict[str, types.ModuleType] | str:
    """`clip` and `perplexity` as they were at a git revision, or as saved in a folder; the reason when neither
    can be had (a CLIP module needs open_clip)."""
    modules = {}
    for name in SCORE_MODULES:
        folder = Path(where)
        if folder.is_dir():
            if not (folder / f"{name}.py").is_file():
                return f"no {name}.py in {folder}"
            source = (folder / f"{name}.py").read_text()
        else:
            shown = subprocess.run(
                ["git", "-C", str(ROOT), "show", f"{where}:s1mm_assets/lib/score/{name}.py"],
                capture_output=True,
                text=True,
            )
            if shown.returncode:
                return f"git show {where}: {shown.stderr.strip() or 'no git here'}"
            source = shown.stdout
        module = types.ModuleType(f"baseline_{name}")
        sys.modules[module.__name__] = module  # dataclasses look their module up
        try:
            exec(compile(source, f"{where}:{name}.py", "exec"), module.__dict__)
        except ImportError as error:
            if name == "clip":
                continue  # no open_clip here: the CLIP rows are left out anyway
            return f"{name}.py at {where}: {error}"
        modules[name] = module
    return modules


def export_baseline(where: str, folder: Path) -> None:
    """Save the code before to a folder, for a machine without the git history (bench/gpu)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in SCORE_MODULES:
        source = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{where}:s1mm_assets/lib/score/{name}.py"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        (folder / f"{name}.py").write_text(source)


# --- timed work ---------------------------------------------------------------------------------------------------


def _read_file(path: str) -> bytes:
    return Path(path).read_bytes()


def clip_pass(clip, figures: list, batch_size: int) -> None:
    images = clip.image_embeddings([path for path, _, _ in figures], _read_file, batch_size)
    clip.caption_scores(images, [raw for _, raw, _ in figures], batch_size)
    clip.caption_scores(images, [enhanced for _, _, enhanced in figures], batch_size)


def clip_scores(clip, figures: list, batch_size: int) -> list[float]:
    images = clip.image_embeddings([path for path, _, _ in figures], _read_file, batch_size)
    scores = clip.caption_scores(images, [enhanced for _, _, enhanced in figures], batch_size)
    return [score.chunked for score in scores if score]


def perplexities(lm, texts: list[str], batch_size: int) -> list[float]:
    """Scores through either version's API (before: copies per batch; now: the model's token budget)."""
    scores = lm.pseudo_perplexities(texts, batch_size) if _is_before(lm) else lm.pseudo_perplexities(texts)
    return [score.value for score in scores if score]


def _is_before(model) -> bool:
    return type(model).__module__.startswith("baseline_")


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(run: Callable[[], object], device: str) -> tuple[float, float]:
    """Wall and CPU seconds of `run` (CPU: this process and its children that finished)."""
    cpu, started = _cpu_seconds(), time.perf_counter()
    run()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - started, _cpu_seconds() - cpu


@dataclasses.dataclass
class Row:
    metric: str  # "CLIP" or "pseudo-perplexity"
    model: str
    code: str  # "before" or "now"
    variant: str  # precision, decoding
    unit: str  # what `count` counts
    count: int
    work: Callable[[list], object]  # scores the items given
    items: list
    scores: Callable[[], list[float]]  # the scores, to compare with the reference row's
    reference: str = ""  # the row whose scores these should equal
    production: bool = False  # the configuration a partition gets by default: the rate a capacity plan reads
    wall: list[float] = dataclasses.field(default_factory=list)
    cpu: list[float] = dataclasses.field(default_factory=list)
    difference: float | None = None

    @property
    def label(self) -> str:
        return f"{self.metric} | {self.model} | {self.code} | {self.variant}"

    @property
    def per_second(self) -> float:
        return self.count / statistics.median(self.wall)


# --- models -------------------------------------------------------------------------------------------------------


def full_size_clip_weights(folder: Path, architecture: str) -> Path:
    """An open_clip architecture with random weights written to a file, loaded by name + weights file."""
    import open_clip

    torch.manual_seed(0)
    weights = folder / f"{architecture}-random.pt"
    torch.save(open_clip.create_model(architecture).state_dict(), weights)
    return weights


def bert_base(folder: Path, captions: list[str]) -> Path:
    """BERT-base dimensions (SciBERT's: 12 layers, 768 wide), random weights, a WordPiece vocabulary trained
    on the captions scored."""
    return save_tiny_masked_lm(
        folder / "bert-base",
        corpus=captions,
        vocab_size=8000,
        max_positions=512,
        hidden_size=768,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=3072,
    )


def default_workers(arguments, figures: int) -> int:
    """The decoding processes a partition of `figures` figures gets by default (`ClipModel`'s `decode_workers`
    unset): processes on a CUDA device from `CLIP_PROCESSES_FROM_IMAGES` figures, threads otherwise."""
    on_gpu = arguments.device.startswith("cuda")
    return arguments.decode_workers if on_gpu and figures >= CLIP_PROCESSES_FROM_IMAGES else 0


def clip_rows(arguments, folder: Path, figures: list, before: dict, precisions: list[str]) -> list[Row]:
    """Before and now on the tiny CLIP (everything but the model) and on the full-size one, sharing weights. The
    tiny CLIP runs now with its images decoded on threads and in worker processes; the full-size one as a
    partition of that many figures would (`CLIP_PROCESSES_FROM_IMAGES`), in each precision asked for."""
    from s1mm_assets.lib.score.clip import ClipModel
    from s1mm_assets_tests.models import save_tiny_clip

    device, batch = arguments.device, arguments.batch_size
    rows = []
    for model_name, count, load in (
        (
            "tiny (3.4 M params)",
            arguments.figures,
            lambda: ClipModel.load(str(save_tiny_clip(folder / "clip")), device=device),
        ),
        (
            f"{arguments.clip_architecture} size",
            arguments.clip_figures,
            lambda: ClipModel.load(
                arguments.clip_architecture,
                str(full_size_clip_weights(folder, arguments.clip_architecture)),
                device=device,
            ),
        ),
    ):
        now = load()
        parts = (now.model, now.preprocess, now.tokenizer)
        items = repeated(figures, count)
        variants = []
        if "clip" in before:
            variants.append(("before", "float32", 0, before["clip"].ClipModel(*parts, name=now.name, device=device)))
        if model_name.startswith("tiny"):
            decodings = [(0, precisions[0]), (arguments.decode_workers, precisions[0])]
        else:
            decodings = [(default_workers(arguments, count), precision) for precision in precisions]
        for workers, precision in decodings:
            clip = ClipModel(*parts, name=now.name, device=device, precision=precision, decode_workers=workers)
            variants.append(("now", precision, workers, clip))
        production = [
            (code, precision, workers) == ("now", "auto", default_workers(arguments, count))
            for code, precision, workers, _ in variants
        ]
        reference = None
        for (code, precision, workers, clip), default in zip(variants, production, strict=True):
            decoding = f"images on {workers} processes" if workers else "images on threads"
            row = Row(
                metric="CLIP",
                model=model_name,
                code=code,
                variant=f"{precision}, {decoding}",
                unit="figures",
                count=count,
                work=lambda part, clip=clip: clip_pass(clip, part, batch),
                items=items,
                scores=lambda clip=clip, items=items: clip_scores(clip, items[: arguments.agreement_figures], batch),
                production=default,
            )
            reference = reference or row.label
            row.reference = reference
            rows.append(row)
    return rows


def perplexity_rows(arguments, folder: Path, figures: list, before: dict, precisions: list[str]) -> list[Row]:
    device = arguments.device
    captions = [text for _, raw, enhanced in figures for text in (raw, enhanced) if text]
    rows = []
    for model_name, path, count_before, count_now in (
        (
            "tiny BERT (0.3 M)",
            save_tiny_masked_lm(folder / "mlm", corpus=captions, vocab_size=8000, max_positions=512),
            arguments.captions,
            arguments.captions,
        ),
        (
            "BERT-base size (110 M)",
            bert_base(folder, captions),
            arguments.base_captions_before,
            arguments.base_captions,
        ),
    ):
        now = MaskedLanguageModel.load(str(path), device=device)
        texts = (
            captions_of_length(now, figures, arguments.caption_tokens, max(count_before, count_now))
            if arguments.caption_tokens
            else repeated(captions, max(count_before, count_now))
        )
        agreement = texts[: arguments.agreement_captions]
        variants = []
        if "perplexity" in before:
            old = before["perplexity"].MaskedLanguageModel(now.model, now.tokenizer, name=now.name, device=device)
            variants.append(("before", f"float32, {arguments.batch_size} copies a batch", old, count_before, False))
        for precision in precisions:
            for budget in arguments.token_budgets:
                lm = MaskedLanguageModel(
                    now.model, now.tokenizer, name=now.name, device=device, precision=precision, token_budget=budget
                )
                default = precision == "auto" and budget == 0
                variants.append(("now", f"{precision}, {lm.token_budget} tokens a batch", lm, count_now, default))
        reference = f"pseudo-perplexity | {model_name} | {variants[0][0]} | {variants[0][1]}"
        for code, variant, lm, count, default in variants:
            rows.append(
                Row(
                    metric="pseudo-perplexity",
                    model=model_name,
                    code=code,
                    variant=variant,
                    unit="captions",
                    count=count,
                    work=lambda part, lm=lm: perplexities(lm, part, arguments.batch_size),
                    items=texts[:count],
                    scores=lambda lm=lm, texts=agreement: perplexities(lm, texts, arguments.batch_size),
                    reference=reference,
                    production=default,
                )
            )
    return rows


# --- report -------------------------------------------------------------------------------------------------------


def largest_difference(row: Row, reference: Row) -> float:
    """The largest relative difference between the row's scores and the reference row's (CLIP: absolute, the
    scores are 100 x cosine)."""
    mine, theirs = row.scores(), reference.scores()
    if row.metric == "CLIP":
        return max((abs(a - b) for a, b in zip(mine, theirs, strict=True)), default=0.0)
    return max((abs(a - b) / b for a, b in zip(mine, theirs, strict=True)), default=0.0)


def print_table(rows: list[Row]) -> None:
    print(
        "| metric | model | code | variant | items per pass | items/s (median) | min-max | CPU s per item "
        "| vs before | largest difference from the first row of the model |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    before = {(row.metric, row.model): row.per_second for row in rows if row.code == "before"}
    for row in rows:
        rates = [row.count / wall for wall in row.wall]
        ratio = row.per_second / before[(row.metric, row.model)] if (row.metric, row.model) in before else None
        difference = "-" if row.difference is None else f"{row.difference:.2g}"
        print(
            f"| {row.label} | {row.count} {row.unit} | {row.per_second:.2f} | {min(rates):.2f}-{max(rates):.2f} "
            f"| {statistics.median(row.cpu) / row.count:.4f} | {f'{ratio:.2f}' if ratio else '-'} | {difference} |"
        )


def plan_rates(rows: list[Row], arguments) -> dict[str, tuple[float, str, str]]:
    """The rates `s1mm plan` reads, from the rows of the configuration a partition gets by default: on a GPU the
    device time per figure (full-size CLIP) and per caption (BERT-base); on a CPU the host time around CLIP."""
    rates = {}
    on_gpu = arguments.device.startswith("cuda")
    for row in rows:
        if not row.production:
            continue
        if on_gpu and row.metric == "CLIP" and not row.model.startswith("tiny"):
            rates["score.clip.gpu_seconds_per_figure"] = (
                1 / row.per_second,
                "GPU-s/figure",
                f"{row.model} CLIP, {row.variant}, the image and both captions of a figure; "
                f"{torch.cuda.get_device_name()}",
            )
        if on_gpu and row.metric == "pseudo-perplexity" and not row.model.startswith("tiny"):
            rates["score.pppl.gpu_seconds_per_caption"] = (
                1 / row.per_second,
                "GPU-s/caption",
                f"{row.model} pseudo-perplexity, {row.variant}, captions of "
                f"{arguments.caption_tokens or 'sample'} tokens; {torch.cuda.get_device_name()}",
            )
        if not on_gpu and row.metric == "CLIP" and row.model.startswith("tiny"):
            rates["score.clip.host_core_seconds_per_figure"] = (
                statistics.median(row.cpu) / row.count,
                "core-s/figure",
                "CPU seconds per figure of CLIP scoring around the model (tiny CLIP: reading, decoding and "
                "preprocessing the image, chunking and tokenising both captions), one process",
            )
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--figures", type=int, default=96, help="figures per pass, tiny CLIP")
    parser.add_argument("--clip-figures", type=int, default=32, help="figures per pass, full-size CLIP")
    parser.add_argument("--captions", type=int, default=96, help="captions per pass, tiny BERT")
    parser.add_argument("--base-captions", type=int, default=4, help="captions per pass, BERT-base size, now")
    parser.add_argument("--base-captions-before", type=int, default=4, help="... and before")
    parser.add_argument("--caption-tokens", type=int, default=0, help="pseudo-perplexity captions this long; 0: as is")
    parser.add_argument("--agreement-figures", type=int, default=16, help="figures whose scores are compared")
    parser.add_argument("--agreement-captions", type=int, default=4, help="captions whose scores are compared")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32, help="CLIP batch; pseudo-perplexity copies, before")
    parser.add_argument(
        "--token-budgets", type=int, nargs="+", default=[0], help="pseudo-perplexity tokens a batch, now (0: default)"
    )
    parser.add_argument("--decode-workers", type=int, default=max(1, min(8, os.cpu_count() or 1)))
    parser.add_argument("--precisions", nargs="+", default=["auto"], help="precisions of the 'now' rows")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads; 0: torch's default")
    parser.add_argument("--clip-architecture", default="ViT-B-32", help="the full-size CLIP (open_clip name)")
    parser.add_argument("--baseline", default=BASELINE, help="git revision, or folder with clip.py, perplexity.py")
    parser.add_argument("--skip", nargs="*", default=[], choices=["clip", "perplexity"], help="leave a metric out")
    parser.add_argument("--results", type=Path, help="write the rates a capacity plan reads here")
    prepared = parser.add_mutually_exclusive_group()
    prepared.add_argument("--save-figures", type=Path, help="write the sample figures here and stop")
    prepared.add_argument("--figures-dir", type=Path, help="score figures written by --save-figures")
    parser.add_argument("--export-baseline", type=Path, help="save the code before to this folder and stop")
    arguments = parser.parse_args()
    if arguments.export_baseline:
        export_baseline(arguments.baseline, arguments.export_baseline)
        return 0
    if arguments.threads:
        torch.set_num_threads(arguments.threads)

    with tempfile.TemporaryDirectory(prefix="s1mm-bench-") as scratch:
        folder = Path(scratch)
        if arguments.figures_dir:
            figures = load_figures(arguments.figures_dir)
        else:
            wanted = max(arguments.figures, arguments.clip_figures)
            figures = sample_figures(folder, arguments.save_figures or folder / "images", wanted)
        if arguments.save_figures:
            save_figures(figures, arguments.save_figures)
            print(f"{len(figures)} figures written to {arguments.save_figures}")
            return 0
        before = baseline_modules(arguments.baseline)
        if isinstance(before, str):
            print(f"# the code before is left out: {before}")
            before = {}
        gpu = torch.cuda.get_device_name() if arguments.device.startswith("cuda") else None
        print(
            f"# {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, torch "
            f"{torch.__version__}, {torch.get_num_threads()} threads, device {arguments.device} {gpu or ''}, "
            f"batch {arguments.batch_size}, {arguments.repeats} repeats, {len(figures)} distinct figures, "
            f"before = {arguments.baseline}"
        )
        rows: list[Row] = []
        if "clip" not in arguments.skip:
            try:
                rows += clip_rows(arguments, folder, figures, before, arguments.precisions)
            except ImportError as error:
                print(f"# CLIP left out: {error} (CLIP scoring needs open_clip_torch and loky)")
        if "perplexity" not in arguments.skip:
            rows += perplexity_rows(arguments, folder, figures, before, arguments.precisions)

        for row in rows:  # warm-up on a few batches: CUDA kernels chosen, caches filled, before any clock starts
            row.work(row.items[: 2 * arguments.batch_size])
        for _ in range(arguments.repeats):  # interleaved, so a busy moment of the machine hits every row
            for row in rows:
                wall, cpu = timed(lambda row=row: row.work(row.items), arguments.device)
                row.wall.append(wall)
                row.cpu.append(cpu)
        by_label = {row.label: row for row in rows}
        for row in rows:
            if row.reference != row.label:
                row.difference = largest_difference(row, by_label[row.reference])
    print_table(rows)
    if arguments.results:
        from s1mm_assets.lib.plan.rates import write_result

        write_result(
            arguments.results,
            "score_throughput",
            plan_rates(rows, arguments),
            details={
                "rows": [
                    {
                        "label": row.label,
                        "count": row.count,
                        "unit": row.unit,
                        "per_second_median": row.per_second,
                        "wall_seconds": row.wall,
                        "cpu_seconds": row.cpu,
                        "largest_difference": row.difference,
                    }
                    for row in rows
                ],
                "baseline": arguments.baseline,
                "torch": torch.__version__,
            },
            machine_notes={"gpu": gpu, "torch_threads": torch.get_num_threads()},
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
