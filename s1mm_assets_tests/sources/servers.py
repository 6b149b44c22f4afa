"""Local stand-ins for the services the connectors talk to, on 127.0.0.1 only.

`FixtureHttpServer` is a threaded http.server with routes (a function of the request, or a fixed reply) and
scripted one-shot faults served before a route's normal answer: a status with `Retry-After`, an HTTP 200
error body, a connection dropped after N bytes of a body whose full length was announced. Static downloads
honour `Range` (206 + Content-Range), so a client can resume. Every request is logged, so a test can assert
that a re-run made no request for what it already had.

`S3Server` runs moto's S3 in server mode (`moto[server]`) on a free port and hands out boto3 clients to fill
its buckets. Nothing here reads the shared fixtures: `service_data.py` does.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import boto3
from moto.server import ThreadedMotoServer


@dataclasses.dataclass(frozen=True)
class Request:
    method: str
    path: str
    raw_query: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclasses.dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    drop_after: int | None = None  # close the connection after this many body bytes (full length announced)
    ranges: bool = False  # a static file: answer `Range: bytes=N-` with 206


Route = Callable[[Request], Reply]


class FixtureHttpServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.faults: dict[str, collections.deque[Reply]] = collections.defaultdict(collections.deque)
        self.log: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                parts = urlsplit(self.path)
                request = Request(
                    "GET",
                    parts.path,
                    parts.query,
                    {key: values[0] for key, values in parse_qs(parts.query).items()},
                    {key.lower(): value for key, value in self.headers.items()},
                )
                server._answer(self, request)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self) -> FixtureHttpServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def route(self, path: str, answer: Route | Reply) -> None:
        self.routes[path] = answer if callable(answer) else (lambda request, reply=answer: reply)

    def fault(self, path: str, *replies: Reply) -> None:
        """Serve these replies, one per request, before the route answers normally again."""
        self.faults[path].extend(replies)

    def requests_to(self, path_prefix: str) -> list[Request]:
        return [request for request in self.log if request.path.startswith(path_prefix)]

    def _answer(self, handler: BaseHTTPRequestHandler, request: Request) -> None:
        with self._lock:
            self.log.append(request)
            fault = self.faults[request.path].popleft() if self.faults.get(request.path) else None
        route = self.routes.get(request.path)
        if fault is not None:
            reply = fault
            if fault.drop_after is not None and route is not None and not fault.body:
                reply = dataclasses.replace(route(request), drop_after=fault.drop_after)
        elif route is not None:
            reply = route(request)
        else:
            reply = Reply(404, b"not found")
        status, body, headers = reply.status, reply.body, dict(reply.headers)
        if reply.ranges:
            headers["Accept-Ranges"] = "bytes"
            headers.setdefault("ETag", f'"{len(reply.body)}-{hash(reply.body) & 0xFFFFFFFF:x}"')
            requested = request.headers.get("range", "")
            if requested.startswith("bytes=") and requested.endswith("-"):
                start = int(requested[6:-1])
                status, body = 206, reply.body[start:]
                headers["Content-Range"] = f"bytes {start}-{len(reply.body) - 1}/{len(reply.body)}"
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if reply.drop_after is not None:
            handler.wfile.write(body[: reply.drop_after])
            handler.wfile.flush()
            handler.close_connection = True
            handler.connection.shutdown(2)
            return
        handler.wfile.write(body)


class S3Server:
    """moto's S3 in server mode on 127.0.0.1; `client()` fills buckets, `endpoint_url` goes to S3Settings."""

    access_key = "test-access-key"
    secret_key = "test-secret-key"

    def __init__(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._client = None

    def start(self) -> S3Server:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    @property
    def endpoint_url(self) -> str:
        host, port = self._server.get_host_and_port()
        return f"http://{host}:{port}"

    def client(self):
        if self._client is None:
            self._client = self._new_client()
        return self._client

    def _new_client(self):
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def put_bucket(
        self, bucket: str, objects: dict[str, bytes], *, requester_pays: bool = False, public: bool = False
    ) -> None:
        """A bucket as the service keeps it: requester-pays (arXiv, bioRxiv) or readable by anyone (PMC)."""
        client = self.client()
        acl = {"ACL": "public-read"} if public else {}
        client.create_bucket(Bucket=bucket, **acl)
        if requester_pays:
            client.put_bucket_request_payment(Bucket=bucket, RequestPaymentConfiguration={"Payer": "Requester"})
        for key, content in objects.items():
            client.put_object(Bucket=bucket, Key=key, Body=content, **acl)


class DroppingProxy:
    """A TCP proxy on 127.0.0.1 in front of another local server that can break one response off mid-body, and
    logs the request line of every request it passes on (`requests`).

    `drop_next_get(path_fragment, after)` arms it: the next GET whose request line contains `path_fragment`
    gets `after` bytes of its response, then the connection is closed (what a flaky network does to a long
    object download). Everything else passes through untouched.
    """

    def __init__(self, target: str) -> None:
        host, port = target.removeprefix("http://").split(":")
        self._target = (host, int(port))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._armed: tuple[bytes, int] | None = None
        self._lock = threading.Lock()
        self.dropped = 0
        self.requests: list[str] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def drop_next_get(self, path_fragment: str, after: int) -> None:
        with self._lock:
            self._armed = (path_fragment.encode(), after)

    def stop(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._target)
            budget: list[int | None] = [None]  # bytes of the current response still allowed, None = unlimited
            threading.Thread(target=self._requests, args=(client, upstream, budget), daemon=True).start()
            threading.Thread(target=self._responses, args=(upstream, client, budget), daemon=True).start()

    def _requests(self, client: socket.socket, upstream: socket.socket, budget: list[int | None]) -> None:
        try:
            while data := client.recv(65536):
                with self._lock:
                    if data.split(b" ", 1)[0] in _METHODS:
                        self.requests.append(data.split(b"\r\n", 1)[0].decode("latin-1"))
                    if self._armed and data.startswith(b"GET ") and self._armed[0] in data.split(b"\r\n", 1)[0]:
                        budget[0], self._armed = self._armed[1], None
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            _close(upstream)

    def _responses(self, upstream: socket.socket, client: socket.socket, budget: list[int | None]) -> None:
        try:
            while data := upstream.recv(65536):
                if budget[0] is not None:
                    if len(data) >= budget[0]:
                        client.sendall(data[: budget[0]])
                        self.dropped += 1
                        break
                    budget[0] -= len(data)
                client.sendall(data)
        except OSError:
            pass
        finally:
            _close(client)
            _close(upstream)


_METHODS = {b"GET", b"HEAD", b"PUT", b"POST", b"DELETE"}


def _close(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
    connection.close()
