"""The polite client against the fixture server: waits measured on a fake clock, downloads checked byte for byte."""

import datetime as dt
import email.utils
import hashlib

import httpx
import pytest

from s1mm_assets.lib.sources.http import ErrorBody, HttpFailure, PoliteClient, TransientBody
from s1mm_assets.lib.sources.integrity import Expected, IntegrityError
from s1mm_assets_tests.sources.servers import Reply

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB


def test_429_with_retry_after_seconds_is_waited_out_then_succeeds(http_server, http_settings, clock):
    http_server.route("/api", Reply(body=b"ok"))
    http_server.fault("/api", Reply(429, b"slow down", {"Retry-After": "7"}))
    with PoliteClient(http_settings, clock=clock) as client:
        assert client.get(http_server.url("/api")).content == b"ok"
    assert clock.sleeps == [7.0]
    assert len(http_server.requests_to("/api")) == 2


def test_503_with_retry_after_http_date_is_waited_out(http_server, http_settings, clock):
    later = email.utils.format_datetime(clock.now().replace(microsecond=0) + dt.timedelta(seconds=30), usegmt=True)
    http_server.route("/oai", Reply(body=b"ok"))
    http_server.fault("/oai", Reply(503, b"<h1>Retry after 30 seconds</h1>", {"Retry-After": later}))
    with PoliteClient(http_settings, clock=clock) as client:
        client.get(http_server.url("/oai"))
    assert clock.sleeps == [pytest.approx(30.0)]


def test_5xx_without_retry_after_backs_off_exponentially_with_jitter_then_gives_up(http_server, http_settings, clock):
    http_server.route("/flaky", Reply(502, b"bad gateway"))
    with PoliteClient(http_settings, clock=clock) as client, pytest.raises(HttpFailure) as failure:
        client.get(http_server.url("/flaky"))
    assert failure.value.status == 502
    assert len(http_server.requests_to("/flaky")) == http_settings.http_max_attempts
    # multiplier 1 s doubling, plus up to 0.5 s of jitter each
    for wait, base in zip(clock.sleeps, (1, 2, 4), strict=True):
        assert base <= wait <= base + 0.5


def test_a_404_is_not_retried(http_server, http_settings, clock):
    with PoliteClient(http_settings, clock=clock) as client, pytest.raises(HttpFailure) as failure:
        client.get(http_server.url("/missing"))
    assert failure.value.status == 404 and clock.sleeps == []


def test_requests_to_one_host_keep_the_minimum_interval(http_server, http_settings, clock):
    settings = http_settings.model_copy(update={"http_rate_limits_enabled": True, "http_rate_limits": "127.0.0.1=3"})
    http_server.route("/api", Reply(body=b"ok"))
    with PoliteClient(settings, clock=clock) as client:
        for _ in range(3):
            client.get(http_server.url("/api"))
    assert clock.sleeps == [3.0, 3.0]


def test_rate_limits_switched_off_never_wait(http_server, http_settings, clock):
    http_server.route("/api", Reply(body=b"ok"))
    with PoliteClient(http_settings, clock=clock) as client:
        for _ in range(3):
            client.get(http_server.url("/api"))
    assert clock.sleeps == []


def test_user_agent_names_the_contact_address(http_server, http_settings, clock):
    http_server.route("/api", Reply(body=b"ok"))
    with PoliteClient(http_settings, clock=clock) as client:
        client.get(http_server.url("/api"))
    assert "mailto:ops@example.org" in http_server.log[0].headers["user-agent"]


def test_http_200_error_bodies_are_retried_when_transient_and_not_when_final(http_server, http_settings, clock):
    def check(response: httpx.Response) -> None:
        if not response.content:
            raise TransientBody("empty")
        if response.content.startswith(b"error"):
            raise ErrorBody(response.text)

    http_server.route("/api", Reply(body=b"ok"))
    http_server.fault("/api", Reply(200, b""), Reply(200, b""))
    with PoliteClient(http_settings, clock=clock) as client:
        assert client.get(http_server.url("/api"), check=check).content == b"ok"
        assert len(clock.sleeps) == 2
        http_server.fault("/api", Reply(200, b"error: bad cursor"))
        with pytest.raises(ErrorBody):
            client.get(http_server.url("/api"), check=check)
    assert len(http_server.requests_to("/api")) == 4


def test_download_dropped_mid_way_resumes_with_a_range_request(http_server, http_settings, clock, tmp_path):
    http_server.route("/file.pdf", Reply(body=PAYLOAD, ranges=True))
    http_server.fault("/file.pdf", Reply(drop_after=300_000))
    expected = Expected(size=len(PAYLOAD), sha256=hashlib.sha256(PAYLOAD).hexdigest())
    with PoliteClient(http_settings, clock=clock) as client:
        result = client.download(http_server.url("/file.pdf"), tmp_path / "out", expected=expected)
    assert (tmp_path / "out").read_bytes() == PAYLOAD
    assert result.sha256 == hashlib.sha256(PAYLOAD).hexdigest() and result.size == len(PAYLOAD)
    second = http_server.requests_to("/file.pdf")[1]
    assert second.headers["range"] == "bytes=300000-"
    assert client.stats.bytes_received == len(PAYLOAD)  # the first 300 kB were not fetched twice


def test_download_dropped_without_range_support_starts_over(http_server, http_settings, clock, tmp_path):
    http_server.route("/file.pdf", Reply(body=PAYLOAD))
    http_server.fault("/file.pdf", Reply(drop_after=300_000))
    with PoliteClient(http_settings, clock=clock) as client:
        result = client.download(http_server.url("/file.pdf"), tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == PAYLOAD and result.size == len(PAYLOAD)
    assert "range" not in http_server.requests_to("/file.pdf")[1].headers


def test_download_that_differs_from_the_announced_checksum_is_refused_and_removed(
    http_server, http_settings, clock, tmp_path
):
    http_server.route("/file.pdf", Reply(body=PAYLOAD))
    with PoliteClient(http_settings, clock=clock) as client, pytest.raises(IntegrityError) as error:
        client.download(http_server.url("/file.pdf"), tmp_path / "out", expected=Expected(md5="0" * 32))
    assert error.value.reason == "checksum_mismatch"
    assert not (tmp_path / "out").exists()
