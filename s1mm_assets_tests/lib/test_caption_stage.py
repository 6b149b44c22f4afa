"""The caption stage with a model backend: every figure gets a record, the cache spares every repeat request,
and a crash mid-partition costs at most one checkpoint batch."""

import pytest

from s1mm_assets.lib.caption import Sampling
from s1mm_assets.lib.caption.cache import CACHE_ROOT, CaptionCache
from s1mm_assets.lib.caption.vllm_http import VllmHttpBackend, VllmHttpSettings
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.stages.captions import enhance_captions
from s1mm_assets_tests.captioning import MONTH, SOURCE, write_caption_inputs
from s1mm_assets_tests.fake_openai import FakeOpenAIServer, Reply, figure_text, unreachable_url


def _backend(url: str, model: str = "served-model", max_tokens: int = 64) -> VllmHttpBackend:
    return VllmHttpBackend(
        VllmHttpSettings(
            base_url=url,
            model=model,
            sampling=Sampling(max_tokens=max_tokens),
            max_concurrency=2,
            max_attempts=2,
            backoff_base_s=0.01,
            backoff_max_s=0.02,
            unreachable_after_s=0.3,
        )
    )


def _captions(lake: Lake) -> dict[str, dict]:
    return {row["figure_id"]: row for row in lake.read_table("captions", SOURCE, MONTH).to_pylist()}


def _cache_files(lake: Lake) -> list[str]:
    return sorted(path.name for path in lake.local_path(CACHE_ROOT).rglob("*.parquet"))


def test_every_figure_gets_a_record_with_backend_model_prompt_version_tokens_and_latency(lake: Lake):
    figure_ids = write_caption_inputs(lake, broken=1)
    with FakeOpenAIServer() as server:
        report = enhance_captions(lake, SOURCE, MONTH, _backend(server.base_url), checkpoint_every=2)
    rows = _captions(lake)
    assert set(rows) == set(figure_ids)
    assert {row["status"] for fid, row in rows.items() if fid != "broken-0"} == {"ok"}
    ok = rows["p0-f1"]
    assert (ok["backend"], ok["model"], ok["prompt_version"]) == ("vllm", "served-model", "grounded-v1")
    assert (ok["prompt_tokens"], ok["completion_tokens"], ok["finish_reason"], ok["attempts"]) == (120, 18, "stop", 1)
    assert ok["latency_s"] >= 0
    assert rows["broken-0"]["status"] == "failed" and "does not decode" in rows["broken-0"]["error"]
    assert report.metrics["status_ok"] == 6 and report.metrics["status_failed"] == 1
    assert report.metrics["requests_sent"] == server.requests == 6
    assert report.metrics["captions_per_s"] > 0 and report.metrics["completion_tokens_per_s"] > 0
    assert 0 <= report.metrics["latency_p50_s"] <= report.metrics["latency_p95_s"]


def test_a_rerun_sends_no_request_and_writes_the_same_captions(lake: Lake):
    write_caption_inputs(lake)
    with FakeOpenAIServer() as server:
        enhance_captions(lake, SOURCE, MONTH, _backend(server.base_url))
        first = lake.local_path(f"tables/captions/source={SOURCE}/month={MONTH}/data.parquet").read_bytes()
        asked = server.requests
        report = enhance_captions(lake, SOURCE, MONTH, _backend(server.base_url))
        assert server.requests == asked == 6  # nothing more reached the server
    assert report.metrics["requests_sent"] == 0 and report.metrics["figures_from_cache"] == 6
    assert lake.local_path(f"tables/captions/source={SOURCE}/month={MONTH}/data.parquet").read_bytes() == first
    assert _cache_files(lake) == ["compacted.parquet"]  # the checkpoints were folded together


def test_a_crash_mid_partition_loses_at_most_the_batch_in_progress(lake: Lake, monkeypatch: pytest.MonkeyPatch):
    write_caption_inputs(lake, papers=5, figures_per_paper=2)  # 10 figures
    written = CaptionCache.append
    calls = []

    def crash_on_the_third_checkpoint(self, answers):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt("the pod was killed")
        return written(self, answers)

    with FakeOpenAIServer() as server:
        monkeypatch.setattr(CaptionCache, "append", crash_on_the_third_checkpoint)
        with pytest.raises(KeyboardInterrupt):
            enhance_captions(lake, SOURCE, MONTH, _backend(server.base_url), checkpoint_every=3)
        monkeypatch.setattr(CaptionCache, "append", written)
        assert not lake.has_partition("captions", SOURCE, MONTH)
        before = server.requests
        report = enhance_captions(lake, SOURCE, MONTH, _backend(server.base_url), checkpoint_every=3)
    assert report.metrics["figures_from_cache"] == 6  # the two batches written before the crash
    assert server.requests - before == 4
    assert {row["status"] for row in _captions(lake).values()} == {"ok"}


def test_figures_with_the_same_image_and_text_are_asked_once(lake: Lake):
    figure_ids = write_caption_inputs(lake, papers=2, duplicate_of_first=True)
    with FakeOpenAIServer() as server:
        enhance_captions(lake, SOURCE, MONTH, _backend(server.base_url))
    rows = _captions(lake)
    assert server.requests == len(figure_ids) - 1
    assert rows["duplicate-of-p0-f1"]["enhanced_caption"] == rows["p0-f1"]["enhanced_caption"]


def test_a_different_model_or_sampling_is_not_served_from_the_cache(lake: Lake):
    write_caption_inputs(lake, papers=1)
    with FakeOpenAIServer() as server:
        enhance_captions(lake, SOURCE, MONTH, _backend(server.base_url, model="model-a"))
        enhance_captions(lake, SOURCE, MONTH, _backend(server.base_url, model="model-b"))
        enhance_captions(lake, SOURCE, MONTH, _backend(server.base_url, model="model-b", max_tokens=32))
        assert server.requests == 6
        enhance_captions(lake, SOURCE, MONTH, _backend(server.base_url, model="model-a"))
        assert server.requests == 6  # model-a's answers are still there
    assert {row["model"] for row in _captions(lake).values()} == {"model-a"}


def test_figures_the_server_never_answered_are_asked_again_on_the_next_run(lake: Lake):
    write_caption_inputs(lake, papers=2)

    def second_paper_down(body, count):
        return Reply(status=503) if "paper-1" in body["messages"][1]["content"][0]["text"] else Reply()

    with FakeOpenAIServer(second_paper_down) as server:
        enhance_captions(lake, SOURCE, MONTH, _backend(server.base_url))
    statuses = {fid: row["status"] for fid, row in _captions(lake).items()}
    assert statuses == {"p0-f1": "ok", "p0-f2": "ok", "p1-f1": "failed", "p1-f2": "failed"}
    with FakeOpenAIServer() as server:
        enhance_captions(lake, SOURCE, MONTH, _backend(server.base_url))
        assert sorted(figure_text(body).split("model ")[1][0] for body in server.bodies) == ["1", "2"]
    assert {row["status"] for row in _captions(lake).values()} == {"ok"}


def test_a_dead_server_leaves_every_figure_with_a_failed_record_and_the_partition_written(lake: Lake):
    figure_ids = write_caption_inputs(lake)
    report = enhance_captions(lake, SOURCE, MONTH, _backend(unreachable_url()))
    rows = _captions(lake)
    assert set(rows) == set(figure_ids)
    assert {row["status"] for row in rows.values()} == {"failed"}
    assert all(row["error"] for row in rows.values())
    assert report.metrics["captions_per_s"] is None  # nothing answered: not measured, not zero
    assert _cache_files(lake) == []
