"""A scripted OpenAI-compatible chat server on 127.0.0.1 for the caption client's unit tests.

It answers like vLLM (same JSON shape) with whatever the test's `reply` function decides for each request,
and counts what it received, so tests can check retries, errors and the cache without a model. The real vLLM
server is exercised by the integration tests in `s1mm_assets_tests/vllm/`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Callable

from aiohttp import web

from s1mm_assets_tests.vllm_support.vllm_process import free_port


@dataclasses.dataclass
class Reply:
    status: int = 200
    content: str | None = "A line plot of loss against training steps; the loss falls steadily."
    finish_reason: str = "stop"
    refusal: str | None = None
    delay_s: float = 0.0
    prompt_tokens: int = 120
    completion_tokens: int = 18


class FakeOpenAIServer:
    """Start with `with FakeOpenAIServer(reply) as server:`; `server.base_url` is what clients are given."""

    def __init__(self, reply: Callable[[dict, int], Reply] | None = None):
        self.reply = reply or (lambda body, count: Reply())
        self.bodies: list[dict] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> int:
        return len(self.bodies)

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *exc_info) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _start(self) -> None:
        app = web.Application(client_max_size=64 * 1024**2)
        app.router.add_post("/v1/chat/completions", self._chat)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        with self._lock:
            self.bodies.append(body)
            count = len(self.bodies)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            reply = self.reply(body, count)
            if reply.delay_s:
                await asyncio.sleep(reply.delay_s)
        finally:
            with self._lock:
                self._in_flight -= 1
        if reply.status != 200:
            error = {"error": {"message": f"scripted failure {reply.status}", "type": "BadRequestError"}}
            return web.json_response(error, status=reply.status)
        return web.json_response(
            {
                "id": f"chatcmpl-{count}",
                "object": "chat.completion",
                "model": body.get("model"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply.content, "refusal": reply.refusal},
                        "finish_reason": reply.finish_reason,
                    }
                ],
                "usage": {
                    "prompt_tokens": reply.prompt_tokens,
                    "completion_tokens": reply.completion_tokens,
                    "total_tokens": reply.prompt_tokens + reply.completion_tokens,
                },
            }
        )


def figure_text(body: dict) -> str:
    """The per-figure text part of a chat request (the original caption and citing sentences)."""
    return body["messages"][1]["content"][2]["text"]


def unreachable_url() -> str:
    """An API root on a loopback port nothing listens on: every connection is refused."""
    return f"http://127.0.0.1:{free_port()}/v1"
