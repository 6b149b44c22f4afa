import datetime as dt
import uuid
from collections.abc import Iterator

import pytest

from s1mm_assets.lib.settings import HttpSettings, S3Settings
from s1mm_assets_tests.sources.months import BUILDERS, LocalMonth
from s1mm_assets_tests.sources.servers import FixtureHttpServer, S3Server


class FakeClock:
    """Time that passes only when someone sleeps; every sleep is recorded, so tests check waits, not wall time."""

    def __init__(self, start: dt.datetime = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC)):
        self.start = start
        self.elapsed = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.elapsed

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += seconds

    def now(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=self.elapsed)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def http_server() -> Iterator[FixtureHttpServer]:
    server = FixtureHttpServer().start()
    yield server
    server.stop()


@pytest.fixture
def bucket_suffix() -> str:
    """Buckets are per test (the S3 server is per session): a suffix keeps their names apart."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def http_settings() -> HttpSettings:
    return HttpSettings(
        http_contact_email="ops@example.org",
        http_rate_limits_enabled=False,
        http_max_attempts=4,
        http_backoff_initial_s=1.0,
        http_backoff_jitter_s=0.5,
    )


@pytest.fixture
def s3_settings(s3_server: S3Server) -> S3Settings:
    return S3Settings(
        s3_endpoint_url=s3_server.endpoint_url,
        s3_access_key_id=S3Server.access_key,
        s3_secret_access_key=S3Server.secret_key,
    )


@pytest.fixture
def local(http_server, s3_server) -> Iterator:
    """`local(source)`: that source's month on this test's HTTP server and the session's S3 server."""
    made: list[LocalMonth] = []

    def build(source: str) -> LocalMonth:
        made.append(BUILDERS[source](http_server, s3_server))
        return made[-1]

    yield build
    for month in made:
        month.proxy.stop()
