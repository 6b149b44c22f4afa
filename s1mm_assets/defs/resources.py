"""Resources: where the lake is, where papers come from, who writes captions, what the release gate demands.

Every field has an embedded default so the project runs on one machine with no configuration, and an
environment variable so a deployment can change it without code (read when the code location loads).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import dagster as dg
from pydantic import PrivateAttr

from s1mm_assets.lib import settings
from s1mm_assets.lib.caption import CaptionBackend, Sampling
from s1mm_assets.lib.caption.backends import CaptionerSettings, open_backend
from s1mm_assets.lib.caption.images import DEFAULT_MAX_PIXELS
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.score.models import ScoringModels, load_scoring_models
from s1mm_assets.lib.score.row_filter import RowPolicy
from s1mm_assets.lib.sources import PaperSourceBackend, open_source_backend
from s1mm_assets.lib.stages.captions import DEFAULT_CHECKPOINT_EVERY


class LakeResource(dg.ConfigurableResource):
    """The lake root: a local folder or an fsspec URL (`s3://bucket/prefix`). Empty: `$S1MM_HOME/lake`."""

    url: str = ""

    def open(self) -> Lake:
        return Lake(self.url or settings.lake_root())


class PaperSourceResource(dg.ConfigurableResource):
    """Which backend provides the papers: `sample` (generated demo corpus) or `local` (a folder you bring)."""

    backend: str = "sample"
    local_root: str = ""
    sample_papers_per_partition: int = 6

    def open(self) -> PaperSourceBackend:
        return open_source_backend(
            self.backend,
            local_root=self.local_root or None,
            sample_papers_per_partition=self.sample_papers_per_partition,
        )


class CaptionerResource(dg.ConfigurableResource):
    """Who writes the enhanced captions.

    `context` (default, no model): the author caption fused with the citing sentences, labelled as such.
    `vllm`: a vLLM server's OpenAI-compatible API at `server_url` serving `model` (Qwen3-VL in production).
    `vllm_offline`: vLLM's in-process engine on the local checkpoint folder `model` (a GPU pod).
    """

    backend: str = "context"
    server_url: str = "http://127.0.0.1:8000/v1"
    model: str = ""
    max_tokens: int = 320
    temperature: float = 0.0
    max_concurrency: int = 64
    request_timeout_s: float = 300.0
    max_attempts: int = 4
    unreachable_after_s: float = 120.0
    image_max_pixels: int = DEFAULT_MAX_PIXELS
    checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY

    def open(self) -> CaptionBackend:
        return open_backend(
            CaptionerSettings(
                backend=self.backend,
                server_url=self.server_url,
                model=self.model,
                sampling=Sampling(max_tokens=self.max_tokens, temperature=self.temperature),
                max_concurrency=self.max_concurrency,
                request_timeout_s=self.request_timeout_s,
                max_attempts=self.max_attempts,
                unreachable_after_s=self.unreachable_after_s,
                image_max_pixels=self.image_max_pixels,
            )
        )

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> CaptionerResource:
        defaults = cls()
        return cls(
            backend=environment.get("S1MM_CAPTION_BACKEND", defaults.backend),
            server_url=environment.get("S1MM_VLLM_URL", defaults.server_url),
            model=environment.get("S1MM_VLLM_MODEL", defaults.model),
            max_tokens=int(environment.get("S1MM_CAPTION_MAX_TOKENS", defaults.max_tokens)),
            temperature=float(environment.get("S1MM_CAPTION_TEMPERATURE", defaults.temperature)),
            max_concurrency=int(environment.get("S1MM_VLLM_CONCURRENCY", defaults.max_concurrency)),
            request_timeout_s=float(environment.get("S1MM_VLLM_TIMEOUT_S", defaults.request_timeout_s)),
            max_attempts=int(environment.get("S1MM_VLLM_MAX_ATTEMPTS", defaults.max_attempts)),
        )


class QualityGateResource(dg.ConfigurableResource):
    """Thresholds of the release gate (blocking checks) and of the per-figure filter. Defaults are documented in
    the README; each has an S1MM_* environment variable."""

    max_caption_failure_rate: float = 0.05
    min_enhanced_chars: int = 20
    # CLIP: mean (enhanced - raw) must exceed this; without a model the check fails only if require_clip is set
    require_clip: bool = False
    min_clip_delta: float = 0.0
    min_mean_enhanced_chars: float = 100.0
    max_mean_enhanced_chars: float = 2000.0
    min_mean_grounding: float = 0.8
    min_row_grounding: float = 0.5
    hold_back_invented_numbers: bool = True
    near_duplicate_max_bits: int = 10
    license_policy: str = "cc-by-compatible"

    def row_policy(self) -> RowPolicy:
        return RowPolicy(
            min_enhanced_chars=self.min_enhanced_chars,
            min_grounding=self.min_row_grounding,
            hold_back_invented_numbers=self.hold_back_invented_numbers,
            license_policy=self.license_policy,
            near_duplicate_max_bits=self.near_duplicate_max_bits,
        )


class ScoringModelsResource(dg.ConfigurableResource):
    """Local model files for quality scoring, loaded once per step. Empty: that metric is not measured.

    `clip_model`: a folder with `open_clip_config.json` and weights (a Hugging Face snapshot of an open_clip
    model), or an open_clip architecture name such as `ViT-B-32` with `clip_weights` a local weights file.
    `masked_lm`: a folder a masked LM was saved to (`save_pretrained`), e.g. SciBERT. Needs the `ml` extra.
    """

    clip_model: str = ""
    clip_weights: str = ""
    masked_lm: str = ""
    device: str = "cpu"
    batch_size: int = 32
    # tokens a masked copy shows the LM around the masked token; 0: the model's maximum
    perplexity_window: int = 0

    _models: ScoringModels | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._models = load_scoring_models(
            clip_model=self.clip_model,
            clip_weights=self.clip_weights,
            masked_lm=self.masked_lm,
            device=self.device,
            batch_size=self.batch_size,
            perplexity_window=self.perplexity_window,
        )

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._models = None

    def models(self) -> ScoringModels:
        if self._models is None:
            raise RuntimeError("scoring models are loaded when a step that uses this resource starts")
        return self._models


def resources_from_environment() -> dict[str, dg.ConfigurableResource]:
    environment = os.environ
    return {
        "lake": LakeResource(url=environment.get("S1MM_LAKE", "")),
        "paper_source": PaperSourceResource(
            backend=environment.get("S1MM_SOURCE_BACKEND", "sample"),
            local_root=environment.get("S1MM_LOCAL_ROOT", ""),
            sample_papers_per_partition=int(environment.get("S1MM_SAMPLE_PAPERS", "6")),
        ),
        "captioner": CaptionerResource.from_environment(environment),
        "quality_gate": QualityGateResource(
            max_caption_failure_rate=float(environment.get("S1MM_MAX_CAPTION_FAILURE_RATE", "0.05")),
            min_enhanced_chars=int(environment.get("S1MM_MIN_ENHANCED_CHARS", "20")),
            require_clip=_flag(environment.get("S1MM_REQUIRE_CLIP", "0")),
            min_clip_delta=float(environment.get("S1MM_MIN_CLIP_DELTA", "0.0")),
            min_mean_enhanced_chars=float(environment.get("S1MM_MIN_MEAN_ENHANCED_CHARS", "100")),
            max_mean_enhanced_chars=float(environment.get("S1MM_MAX_MEAN_ENHANCED_CHARS", "2000")),
            min_mean_grounding=float(environment.get("S1MM_MIN_MEAN_GROUNDING", "0.8")),
            min_row_grounding=float(environment.get("S1MM_MIN_ROW_GROUNDING", "0.5")),
            hold_back_invented_numbers=_flag(environment.get("S1MM_HOLD_BACK_INVENTED_NUMBERS", "1")),
            near_duplicate_max_bits=int(environment.get("S1MM_NEAR_DUPLICATE_MAX_BITS", "10")),
            license_policy=environment.get("S1MM_LICENSE_POLICY", "cc-by-compatible"),
        ),
        "scoring_models": ScoringModelsResource(
            clip_model=environment.get("S1MM_CLIP_MODEL", ""),
            clip_weights=environment.get("S1MM_CLIP_WEIGHTS", ""),
            masked_lm=environment.get("S1MM_MASKED_LM", ""),
            device=environment.get("S1MM_SCORING_DEVICE", "cpu"),
            batch_size=int(environment.get("S1MM_SCORING_BATCH_SIZE", "32")),
            perplexity_window=int(environment.get("S1MM_PERPLEXITY_WINDOW", "0")),
        ),
    }


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}
