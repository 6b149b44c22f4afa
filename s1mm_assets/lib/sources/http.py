"""One polite HTTP client for every connector: identified, rate limited per host, retrying, resuming downloads.

Built on httpx (timeouts, streaming, connection pooling) and tenacity for the retries. tenacity rather than
stamina because the wait has to be computed from the failed response (`Retry-After`, in seconds or as an HTTP
date) and the sleep has to be injectable, so tests measure the waits on a fake clock instead of spending wall
time; tenacity takes both as plain arguments (`wait=`, `sleep=`).

Politeness: every request names the project and a contact address in its User-Agent, waits for the host's
minimum interval since the previous request to that host, and hosts that ask for one connection at a time
(arXiv) get one. 429, 5xx and connection errors are retried with exponential backoff and jitter; a
`Retry-After` overrides the backoff. A connector that receives an error disguised as HTTP 200 raises
`TransientBody` from its `check` to have the request retried like a 503, or `ErrorBody` to give up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
import tenacity

from s1mm_assets.lib.settings import HttpSettings
from s1mm_assets.lib.sources.integrity import DownloadedFile, Expected, HashingSink

_RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...

    def now(self) -> dt.datetime: ...


class SystemClock:
    """The real clock; tests pass a fake one whose sleep only advances time."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class HttpFailure(RuntimeError):
    """A request that failed for good: after its retries, or with a status retrying cannot fix (404, 403...)."""

    def __init__(self, url: str, status: int | None, detail: str):
        super().__init__(f"{url}: {detail}")
        self.url = url
        self.status = status
        self.detail = detail


class ErrorBody(RuntimeError):
    """HTTP 200 whose body is an error the service reports; retrying will not help."""


class TransientBody(RuntimeError):
    """HTTP 200 whose body is empty or an error the service says is temporary: retried like a 503."""


class _RetryableStatus(Exception):
    def __init__(self, status: int, retry_after: float | None):
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


@dataclasses.dataclass
class TransferStats:
    """Requests sent and body bytes received, per client: what a benchmark or a re-run check reads."""

    requests: int = 0
    bytes_received: int = 0
    waited_s: float = 0.0  # rate limiting and retry waits
    by_path: dict[str, int] = dataclasses.field(default_factory=dict)


class _HostGate:
    """Minimum interval between requests to one host, and an exclusive lock for single-connection hosts."""

    def __init__(self, min_interval_s: float, single_connection: bool):
        self.min_interval_s = min_interval_s
        self.single_connection = single_connection
        self.spacing = threading.Lock()
        self.connection = threading.Lock()
        self.last_start: float | None = None


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


class PoliteClient:
    """GETs and downloads with the politeness rules of `HttpSettings`."""

    def __init__(
        self, settings: HttpSettings, *, clock: Clock | None = None, transport: httpx.BaseTransport | None = None
    ):
        self.settings = settings
        self.clock = clock or SystemClock()
        self.stats = TransferStats()
        self._intervals = settings.rate_limits()
        self._single_connection = settings.single_connection_hosts()
        self._gates: dict[str, _HostGate] = {}
        self._gates_lock = threading.Lock()
        self._client = httpx.Client(
            headers={"User-Agent": settings.user_agent()},
            timeout=httpx.Timeout(settings.http_read_timeout_s, connect=settings.http_connect_timeout_s),
            follow_redirects=True,
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        check: Callable[[httpx.Response], None] | None = None,
    ) -> httpx.Response:
        """GET with retries. `check` inspects a 200 and raises TransientBody (retry) or ErrorBody (give up)."""

        def attempt() -> httpx.Response:
            with self._gate(url):
                response = self._client.get(url, params=params)
            self._count(response.url, len(response.content))
            self._raise_for_status(response)
            if check is not None:
                check(response)
            return response

        return self._retrying(url, attempt)

    def download(self, url: str, destination: Path, *, expected: Expected | None = None) -> DownloadedFile:
        """Stream `url` into `destination`, resuming with a Range request after a dropped connection when the
        server accepts ranges (otherwise starting over); IntegrityError when the result is not what was announced."""
        sink = HashingSink(destination)
        validator: dict[str, str] = {}

        def attempt() -> None:
            headers = {}
            if sink.size and validator.get("accept_ranges") == "bytes":
                headers["Range"] = f"bytes={sink.size}-"
                if "etag" in validator:
                    headers["If-Range"] = validator["etag"]
            with self._gate(url), self._client.stream("GET", url, headers=headers) as response:
                self._count(response.url, 0)
                self._raise_for_status(response)
                if response.status_code == 206 and _range_start(response) == sink.size:
                    pass  # the server continues where the dropped connection stopped
                else:
                    sink.reset()
                validator["accept_ranges"] = response.headers.get("accept-ranges", "")
                if "etag" in response.headers:
                    validator["etag"] = response.headers["etag"]
                for chunk in response.iter_bytes():
                    sink.write(chunk)
                    self.stats.bytes_received += len(chunk)

        try:
            self._retrying(url, attempt)
        except BaseException:
            sink.abandon()
            raise
        return sink.finish(expected)

    def _retrying(self, url: str, attempt: Callable[[], Any]) -> Any:
        settings = self.settings
        backoff = tenacity.wait_exponential_jitter(
            multiplier=settings.http_backoff_initial_s,
            max=settings.http_backoff_max_s,
            jitter=settings.http_backoff_jitter_s,
        )

        def wait(retry_state: tenacity.RetryCallState) -> float:
            error = retry_state.outcome.exception() if retry_state.outcome else None
            if isinstance(error, _RetryableStatus) and error.retry_after is not None:
                seconds = min(error.retry_after, settings.http_retry_after_max_s)
            else:
                seconds = backoff(retry_state)
            self.stats.waited_s += seconds
            return seconds

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(settings.http_max_attempts),
            wait=wait,
            retry=tenacity.retry_if_exception_type((_RetryableStatus, httpx.TransportError, TransientBody)),
            sleep=self.clock.sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except _RetryableStatus as error:
            raise HttpFailure(
                url, error.status, f"HTTP {error.status} after {settings.http_max_attempts} attempts"
            ) from error
        except TransientBody as error:
            raise HttpFailure(url, 200, f"{error} (after {settings.http_max_attempts} attempts)") from error
        except httpx.TransportError as error:
            raise HttpFailure(url, None, f"{type(error).__name__}: {error}") from error

    def _raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if status in _RETRIED_STATUSES:
            raise _RetryableStatus(status, parse_retry_after(response.headers.get("retry-after"), self.clock.now()))
        if status >= 400:
            raise HttpFailure(str(response.url), status, f"HTTP {status}")

    def _count(self, url: httpx.URL, body_bytes: int) -> None:
        self.stats.requests += 1
        self.stats.bytes_received += body_bytes
        self.stats.by_path[url.path] = self.stats.by_path.get(url.path, 0) + 1

    def _gate(self, url: str) -> _Gated:
        host = urlsplit(url).hostname or ""
        with self._gates_lock:
            gate = self._gates.get(host)
            if gate is None:
                interval = self._intervals.get(host, self.settings.http_default_min_interval_s)
                if not self.settings.http_rate_limits_enabled:
                    interval = 0.0
                gate = _HostGate(interval, host in self._single_connection)
                self._gates[host] = gate
        return _Gated(gate, self)


class _Gated:
    """Context manager around one request: waits its turn for the host, holds the host's only connection."""

    def __init__(self, gate: _HostGate, client: PoliteClient):
        self.gate = gate
        self.client = client

    def __enter__(self) -> None:
        gate, clock = self.gate, self.client.clock
        if gate.single_connection:
            gate.connection.acquire()
        with gate.spacing:
            if gate.last_start is not None and gate.min_interval_s > 0:
                wait = gate.last_start + gate.min_interval_s - clock.monotonic()
                if wait > 0:
                    clock.sleep(wait)
                    self.client.stats.waited_s += wait
            gate.last_start = clock.monotonic()

    def __exit__(self, *exc_info: object) -> None:
        if self.gate.single_connection:
            self.gate.connection.release()


def _range_start(response: httpx.Response) -> int | None:
    content_range = response.headers.get("content-range", "")
    if content_range.startswith("bytes ") and "-" in content_range:
        try:
            return int(content_range[6:].split("-", 1)[0])
        except ValueError:
            return None
    return None
