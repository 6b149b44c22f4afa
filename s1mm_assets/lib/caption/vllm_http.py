"""The `vllm` captioner: an async client of a vLLM server's OpenAI-compatible `/v1/chat/completions`.

Throughput comes from keeping the server's batch full: up to `max_concurrency` requests are in flight, images
are prepared on a thread pool ahead of the requests that need them (a window of twice the concurrency), and
requests go out in paper order so the figures of one paper share the prefix cache. Results are yielded as they
complete so the caller can checkpoint them.

Failures never raise: a figure whose request cannot succeed gets a `failed` result with the reason. Timeouts,
lost connections, 408/429 and 5xx are retried with exponential backoff and jitter; other 4xx (a broken image,
a prompt too long) are not. When the server has been unreachable for `unreachable_after_s`, the remaining
figures fail at once instead of each waiting through its own retries.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import json
import queue
import random
import threading
import time
from collections.abc import Iterator, Sequence

import aiohttp

from s1mm_assets.lib.caption.base import CaptionBackend, CaptionRequest, CaptionResult, ImageReader, Sampling
from s1mm_assets.lib.caption.images import UnreadableImage, prepare_image
from s1mm_assets.lib.caption.prompt import PROMPT_VERSION, build_prompt, chat_messages
from s1mm_assets.lib.settings import CaptionerSettings

_RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
_ERROR_CHARS = 300


_DEFAULTS = CaptionerSettings()


@dataclasses.dataclass(frozen=True)
class VllmHttpSettings:
    """The client's parameters: the user's settings (`from_captioner`, defaults from `CaptionerSettings`) and the
    client's own tuning, which no deployment has needed to change."""

    base_url: str = _DEFAULTS.vllm_url
    model: str = _DEFAULTS.vllm_model  # the server's served model name; recorded on every caption
    api_key: str = _DEFAULTS.vllm_api_key
    sampling: Sampling = dataclasses.field(default_factory=Sampling)
    max_concurrency: int = _DEFAULTS.vllm_concurrency
    request_timeout_s: float = _DEFAULTS.vllm_timeout_s
    connect_timeout_s: float = 10.0
    max_attempts: int = _DEFAULTS.vllm_max_attempts
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    unreachable_after_s: float = _DEFAULTS.vllm_unreachable_after_s
    image_max_pixels: int = _DEFAULTS.caption_image_max_pixels
    image_workers: int = 4

    @classmethod
    def from_captioner(cls, settings: CaptionerSettings) -> VllmHttpSettings:
        return cls(
            base_url=settings.vllm_url,
            model=settings.vllm_model,
            api_key=settings.vllm_api_key,
            sampling=Sampling.from_captioner(settings),
            max_concurrency=settings.vllm_concurrency,
            request_timeout_s=settings.vllm_timeout_s,
            max_attempts=settings.vllm_max_attempts,
            unreachable_after_s=settings.vllm_unreachable_after_s,
            image_max_pixels=settings.caption_image_max_pixels,
        )


class VllmHttpBackend(CaptionBackend):
    name = "vllm"
    prompt_version = PROMPT_VERSION
    cacheable = True

    def __init__(self, settings: VllmHttpSettings):
        if not settings.model:
            raise ValueError("the vllm caption backend needs the served model name (S1MM_VLLM_MODEL)")
        if settings.max_concurrency < 1 or settings.max_attempts < 1:
            raise ValueError("max_concurrency and max_attempts must be at least 1")
        self.settings = settings
        self.model = settings.model
        self.endpoint = settings.base_url.rstrip("/") + "/chat/completions"

    def settings_fingerprint(self) -> str:
        return self.settings.sampling.fingerprint()

    def caption_stream(self, requests: Sequence[CaptionRequest], read_image: ImageReader) -> Iterator[CaptionResult]:
        """Run the async client on its own thread and hand results over as they complete.

        The caller's thread is free to checkpoint meanwhile; if it stops consuming (an exception while writing
        a checkpoint), the client is cancelled rather than left running.
        """
        if not requests:
            return
        handover: queue.Queue = queue.Queue()
        finished = object()
        client = _ClientRun(self, requests, read_image, handover.put)
        thread = threading.Thread(target=client.run_to_end, args=(finished,), name="vllm-http-client", daemon=True)
        thread.start()
        try:
            while (item := handover.get()) is not finished:
                if isinstance(item, BaseException):
                    raise RuntimeError(f"the vllm caption client stopped: {item!r}") from item
                yield item
        finally:
            client.cancel()
            thread.join()

    # --- one request --------------------------------------------------------------------------------------

    def request_body(self, request: CaptionRequest, read_image: ImageReader) -> bytes:
        """The JSON body for one figure (runs on the image pool: reading and preparing the image is the work)."""
        image = prepare_image(read_image(request.image_path), self.settings.image_max_pixels)
        sampling = self.settings.sampling
        body = {
            "model": self.model,
            "messages": chat_messages(build_prompt(request), image.data_url()),
            "max_tokens": sampling.max_tokens,
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            **sampling.extra,
        }
        return json.dumps(body, ensure_ascii=False).encode()

    def result_from_response(
        self, request: CaptionRequest, payload: dict, latency_s: float, attempts: int
    ) -> CaptionResult:
        try:
            choice = payload["choices"][0]
            message = choice.get("message") or {}
            usage = payload.get("usage") or {}
        except (KeyError, IndexError, TypeError, AttributeError):
            return self.failure(request, f"malformed response: {json.dumps(payload)[:_ERROR_CHARS]}", attempts)
        return self.answer(
            request,
            message.get("content"),
            choice.get("finish_reason"),
            refusal=message.get("refusal"),
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
            latency_s=latency_s,
            attempts=attempts,
        )

    def backoff_s(self, attempt: int) -> float:
        """Exponential backoff with 'equal jitter': clients that failed together do not retry together."""
        ceiling = min(self.settings.backoff_max_s, self.settings.backoff_base_s * 2 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


class _ServerHealth:
    """Since when the server has been unreachable; a success resets it. Timeouts do not count: busy is not down."""

    def __init__(self, give_up_after_s: float):
        self.give_up_after_s = give_up_after_s
        self.down_since: float | None = None

    def reached(self) -> None:
        self.down_since = None

    def unreachable(self) -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()

    def given_up(self) -> bool:
        return self.down_since is not None and time.monotonic() - self.down_since >= self.give_up_after_s


class _ClientRun:
    """One pass of the async client over a list of requests, on an event loop of its own."""

    def __init__(self, backend: VllmHttpBackend, requests: Sequence[CaptionRequest], read_image: ImageReader, emit):
        self.backend = backend
        self.settings = backend.settings
        self.requests = requests
        self.read_image = read_image
        self.emit = emit
        self.health = _ServerHealth(self.settings.unreachable_after_s)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task | None = None
        self._cancelled = threading.Event()

    def run_to_end(self, finished: object) -> None:
        try:
            asyncio.run(self._main_task())
        except asyncio.CancelledError:
            pass
        except BaseException as error:  # handed to the consuming thread, which raises it there
            self.emit(error)
        finally:
            self.emit(finished)

    def cancel(self) -> None:
        self._cancelled.set()
        if self._loop is not None and self._main is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._main.cancel)

    async def _main_task(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._main = asyncio.current_task()
        if self._cancelled.is_set():
            return
        settings = self.settings
        timeout = aiohttp.ClientTimeout(total=settings.request_timeout_s, sock_connect=settings.connect_timeout_s)
        headers = {"Content-Type": "application/json"}
        if settings.api_key:
            headers["Authorization"] = f"Bearer {settings.api_key}"
        connector = aiohttp.TCPConnector(limit=settings.max_concurrency, limit_per_host=settings.max_concurrency)
        window = asyncio.Semaphore(2 * settings.max_concurrency)
        in_flight = asyncio.Semaphore(settings.max_concurrency)
        with concurrent.futures.ThreadPoolExecutor(settings.image_workers, thread_name_prefix="caption-image") as pool:
            async with aiohttp.ClientSession(connector=connector, timeout=timeout, headers=headers) as session:

                async def one(request: CaptionRequest) -> None:
                    async with window:
                        try:
                            result = await self._caption_one(session, pool, in_flight, request)
                        except Exception as error:  # a bug must not cost the figure its record
                            result = self.backend.failure(request, f"client error: {error!r}"[:_ERROR_CHARS], 0)
                    self.emit(result)

                await asyncio.gather(*(one(request) for request in self.requests))

    async def _caption_one(self, session, pool, in_flight: asyncio.Semaphore, request: CaptionRequest) -> CaptionResult:
        backend = self.backend
        try:
            body = await self._loop.run_in_executor(pool, backend.request_body, request, self.read_image)
        except UnreadableImage as error:
            return backend.failure(request, str(error), 0)
        except OSError as error:
            return backend.failure(request, f"image not readable from the lake: {error}", 0)
        last_error = "not attempted"
        attempt = 0
        while attempt < self.settings.max_attempts:
            if self.health.given_up():
                return backend.failure(
                    request,
                    f"server unreachable for {self.settings.unreachable_after_s:.0f} s, gave up after "
                    f"{attempt} attempt(s): {last_error}",
                    attempt,
                )
            attempt += 1
            async with in_flight:
                started = time.monotonic()
                try:
                    async with session.post(backend.endpoint, data=body) as response:
                        status, text = response.status, await response.text()
                except TimeoutError:
                    status, text = None, f"no answer within {self.settings.request_timeout_s:.0f} s"
                except aiohttp.ClientConnectorError as error:
                    self.health.unreachable()
                    status, text = None, f"cannot connect: {error}"
                except (aiohttp.ClientError, ConnectionError) as error:
                    self.health.unreachable()
                    status, text = None, f"connection lost: {error!r}"
                latency = time.monotonic() - started
            if status == 200:
                self.health.reached()
                try:
                    payload = json.loads(text)
                except json.JSONDecodeError:
                    return backend.failure(request, f"response is not JSON: {text[:_ERROR_CHARS]}", attempt)
                return backend.result_from_response(request, payload, latency, attempt)
            if status is not None:
                self.health.reached()
                last_error = f"HTTP {status}: {_server_message(text)}"
                if status not in _RETRYABLE_STATUS:
                    return backend.failure(request, last_error, attempt)
            else:
                last_error = text
            if attempt < self.settings.max_attempts:
                await asyncio.sleep(backend.backoff_s(attempt))
        return backend.failure(request, f"gave up after {attempt} attempts: {last_error}", attempt)


def _server_message(text: str) -> str:
    """The error message of an OpenAI-style error body, else the start of the body."""
    try:
        payload = json.loads(text)
        error = payload.get("error", payload) if isinstance(payload, dict) else payload
        message = error.get("message") if isinstance(error, dict) else None
        return str(message or payload)[:_ERROR_CHARS]
    except (json.JSONDecodeError, AttributeError):
        return text[:_ERROR_CHARS]
