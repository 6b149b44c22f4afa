"""The caption asset's wiring: the captioner chosen by configuration (its pod on a cluster: test_cluster.py)."""

import importlib.util

import pytest

from s1mm_assets.defs.resources import CaptionerResource, resources_from_settings
from s1mm_assets.lib.caption import ContextFusionBackend
from s1mm_assets.lib.caption.vllm_http import VllmHttpBackend
from s1mm_assets.lib.caption.vllm_offline import VllmOfflineBackend
from s1mm_assets.lib.settings import Settings, load_settings


def test_without_configuration_the_captioner_is_the_labelled_context_fusion():
    backend = resources_from_settings(Settings())["captioner"].open()
    assert isinstance(backend, ContextFusionBackend) and backend.model is None


def test_the_vllm_captioner_is_configured_from_the_environment():
    environment = {
        "S1MM_CAPTION_BACKEND": "vllm",
        "S1MM_VLLM_URL": "http://vllm.s1mm.svc:8000/v1",
        "S1MM_VLLM_MODEL": "Qwen/Qwen3-VL-8B-Instruct",
        "S1MM_CAPTION_MAX_TOKENS": "256",
        "S1MM_CAPTION_TEMPERATURE": "0.1",
        "S1MM_VLLM_CONCURRENCY": "128",
        "S1MM_VLLM_TIMEOUT_S": "60",
        "S1MM_VLLM_MAX_ATTEMPTS": "6",
    }
    backend = resources_from_settings(load_settings(environment))["captioner"].open()
    assert isinstance(backend, VllmHttpBackend)
    settings = backend.settings
    assert backend.endpoint == "http://vllm.s1mm.svc:8000/v1/chat/completions"
    assert (backend.model, settings.sampling.max_tokens, settings.sampling.temperature) == (
        "Qwen/Qwen3-VL-8B-Instruct",
        256,
        0.1,
    )
    assert (settings.max_concurrency, settings.request_timeout_s, settings.max_attempts) == (128, 60.0, 6)


def test_the_offline_captioner_opens_without_vllm_and_says_what_is_missing_when_used():
    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vLLM is installed here; the project's own environment never has it")
    backend = CaptionerResource(caption_backend="vllm_offline", vllm_model="/models/qwen3-vl-8b").open()
    assert isinstance(backend, VllmOfflineBackend) and backend.model == "qwen3-vl-8b"
    with pytest.raises(RuntimeError, match="needs vLLM in this Python environment"):
        next(backend.caption_stream([object()], lambda path: b""))


def test_an_unknown_backend_is_a_clear_configuration_error():
    with pytest.raises(ValueError, match="available: context, vllm, vllm_offline"):
        CaptionerResource(caption_backend="gpt").open()
