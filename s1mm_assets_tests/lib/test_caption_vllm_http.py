"""The `vllm` HTTP client against a scripted OpenAI-compatible server: payload, verdicts, retries, limits."""

import base64
import time

import pytest

from s1mm_assets.lib.caption import CaptionRequest, Sampling
from s1mm_assets.lib.caption.prompt import INSTRUCTION
from s1mm_assets.lib.caption.vllm_http import VllmHttpBackend, VllmHttpSettings
from s1mm_assets.lib.context import FigureContext
from s1mm_assets_tests.captioning import figure_png
from s1mm_assets_tests.fake_openai import FakeOpenAIServer, Reply, figure_text, unreachable_url

IMAGES = {f"blobs/{index}.png": figure_png(index) for index in range(40)}
IMAGES["blobs/broken.png"] = b"not an image"


def _requests(count: int, image: str | None = None) -> list[CaptionRequest]:
    return [
        CaptionRequest(
            figure_id=f"fig-{index}",
            paper_id=f"paper-{index // 2}",
            raw_caption=f"Caption number {index}.",
            context=FigureContext("Title", "Abstract.", (f"Figure {index} shows a thing.",)),
            image_path=image or f"blobs/{index}.png",
            image_sha256=f"sha-{index}",
            figure_number=str(index),
        )
        for index in range(count)
    ]


def _backend(server_url: str, **overrides) -> VllmHttpBackend:
    settings = {
        "base_url": server_url,
        "model": "served-model",
        "sampling": Sampling(max_tokens=64),
        "max_concurrency": 4,
        "request_timeout_s": 5.0,
        "max_attempts": 3,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "unreachable_after_s": 30.0,
        **overrides,
    }
    return VllmHttpBackend(VllmHttpSettings(**settings))


def test_sends_the_prompt_and_image_and_records_an_ok_answer():
    with FakeOpenAIServer() as server:
        [result] = _backend(server.base_url).caption(_requests(1), IMAGES.__getitem__)
    assert (result.status, result.backend, result.model, result.attempts) == ("ok", "vllm", "served-model", 1)
    assert result.enhanced_caption.startswith("A line plot of loss")
    assert (result.prompt_tokens, result.completion_tokens, result.finish_reason) == (120, 18, "stop")
    assert result.latency_s is not None and result.latency_s >= 0
    [body] = server.bodies
    assert (body["model"], body["max_tokens"], body["temperature"]) == ("served-model", 64, 0.0)
    system, user = body["messages"]
    assert system == {"role": "system", "content": INSTRUCTION}
    paper, image, figure = user["content"]
    assert paper["text"].startswith("Paper title: Title") and "Abstract." in paper["text"]
    assert base64.b64decode(image["image_url"]["url"].split(",", 1)[1]) == IMAGES["blobs/0.png"]
    assert "Caption number 0." in figure["text"] and "Figure 0 shows a thing." in figure["text"]


@pytest.mark.parametrize(
    ("reply", "status", "error_part"),
    [
        (Reply(finish_reason="length"), "truncated", "max_tokens"),
        (Reply(content="I'm sorry, but I can't help with describing this image."), "refused", "declined"),
        (Reply(content="", refusal="policy"), "refused", "policy"),
        (Reply(content="   "), "failed", "empty completion"),
    ],
)
def test_answers_that_are_not_captions_get_their_status(reply, status, error_part):
    with FakeOpenAIServer(lambda body, count: reply) as server:
        [result] = _backend(server.base_url).caption(_requests(1), IMAGES.__getitem__)
    assert result.status == status and error_part in result.error
    assert result.answered  # the model did answer: worth caching


def test_server_errors_are_retried_with_backoff_until_an_answer():
    def flaky(body, count):
        return Reply(status=503) if count < 3 else Reply()

    with FakeOpenAIServer(flaky) as server:
        [result] = _backend(server.base_url).caption(_requests(1), IMAGES.__getitem__)
    assert (result.status, result.attempts, server.requests) == ("ok", 3, 3)


def test_a_bad_request_fails_at_once_with_the_servers_reason():
    with FakeOpenAIServer(lambda body, count: Reply(status=400)) as server:
        [result] = _backend(server.base_url).caption(_requests(1), IMAGES.__getitem__)
    assert (result.status, result.attempts, server.requests) == ("failed", 1, 1)
    assert "HTTP 400" in result.error and "scripted failure 400" in result.error
    assert not result.answered  # not cached: a later run asks again


def test_persistent_server_errors_end_in_a_failed_record_after_the_last_attempt():
    with FakeOpenAIServer(lambda body, count: Reply(status=500)) as server:
        [result] = _backend(server.base_url).caption(_requests(1), IMAGES.__getitem__)
    assert (result.status, result.attempts, server.requests) == ("failed", 3, 3)
    assert result.error.startswith("gave up after 3 attempts: HTTP 500")


def test_a_request_that_takes_too_long_times_out_and_fails():
    with FakeOpenAIServer(lambda body, count: Reply(delay_s=2.0)) as server:
        backend = _backend(server.base_url, request_timeout_s=0.3, max_attempts=2)
        [result] = backend.caption(_requests(1), IMAGES.__getitem__)
    assert (result.status, result.attempts) == ("failed", 2)
    assert "no answer within" in result.error


def test_an_unreachable_server_fails_every_figure_quickly_with_the_reason():
    backend = _backend(unreachable_url(), max_attempts=50, unreachable_after_s=0.5, max_concurrency=2)
    started = time.monotonic()
    results = backend.caption(_requests(10), IMAGES.__getitem__)
    assert time.monotonic() - started < 10  # 10 figures x 50 attempts would take far longer
    assert {result.status for result in results} == {"failed"}
    assert all("server unreachable" in result.error for result in results)
    assert any("cannot connect" in result.error for result in results)
    assert sum(result.attempts for result in results) < 10 * 50


def test_an_image_that_does_not_decode_fails_without_a_request():
    with FakeOpenAIServer() as server:
        results = _backend(server.base_url).caption(
            _requests(1, image="blobs/broken.png") + _requests(2)[1:], IMAGES.__getitem__
        )
    assert [result.status for result in results] == ["failed", "ok"]
    assert "does not decode" in results[0].error and results[0].attempts == 0
    assert server.requests == 1


def test_requests_in_flight_never_exceed_the_concurrency_limit_and_reach_it():
    with FakeOpenAIServer(lambda body, count: Reply(delay_s=0.05)) as server:
        results = _backend(server.base_url, max_concurrency=3).caption(_requests(24), IMAGES.__getitem__)
    assert [result.status for result in results] == ["ok"] * 24
    assert server.max_in_flight == 3


def test_figures_are_sent_in_the_given_paper_order():
    with FakeOpenAIServer() as server:
        _backend(server.base_url, max_concurrency=1).caption(_requests(6), IMAGES.__getitem__)
    sent = [figure_text(body).split("Caption number ")[1].split(".")[0] for body in server.bodies]
    assert sent == ["0", "1", "2", "3", "4", "5"]


def test_a_backend_without_a_model_name_is_refused_at_configuration():
    with pytest.raises(ValueError, match="served model name"):
        VllmHttpBackend(VllmHttpSettings(model=""))
