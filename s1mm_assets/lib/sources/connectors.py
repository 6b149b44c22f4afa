"""The real connectors behind one shape: `list_month` pages with checkpoints, `fetch` outcomes per paper."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from s1mm_assets.lib.settings import (
    ArxivSettings,
    BiorxivSettings,
    ChemrxivSettings,
    HttpSettings,
    NatureCommunicationsSettings,
    S3Settings,
    SettingsModel,
)
from s1mm_assets.lib.sources.arxiv import ArxivConnector
from s1mm_assets.lib.sources.biorxiv import BiorxivConnector
from s1mm_assets.lib.sources.chemrxiv import ChemrxivConnector
from s1mm_assets.lib.sources.http import Clock, PoliteClient
from s1mm_assets.lib.sources.listing import FetchOutcome, Have, ListedPaper, ListingPage
from s1mm_assets.lib.sources.nature_communications import NatureCommunicationsConnector
from s1mm_assets.lib.sources.s3 import S3Store


class Connector(Protocol):
    source: str

    def list_month(
        self,
        month: str,
        *,
        checkpoint: dict[str, Any] | None = None,
        limit: int | None = None,
        today: dt.date | None = None,
    ) -> Iterator[ListingPage]: ...

    def fetch(
        self, papers: Iterable[ListedPaper], *, have: Have | Collection[str] | None = None, workdir: Path | None = None
    ) -> Iterator[FetchOutcome]: ...

    def close(self) -> None: ...


SETTINGS_BY_SOURCE: dict[str, type[SettingsModel]] = {
    "arxiv": ArxivSettings,
    "biorxiv": BiorxivSettings,
    "medrxiv": BiorxivSettings,
    "chemrxiv": ChemrxivSettings,
    "nature_communications": NatureCommunicationsSettings,
}


def open_connector(
    source: str,
    settings: SettingsModel,
    *,
    http: HttpSettings,
    s3: S3Settings | None = None,
    clock: Clock | None = None,
) -> Connector:
    """The connector of `source` with its own settings (the model SETTINGS_BY_SOURCE names) and the shared ones.

    The caller closes the connector when done (`connector.close()`: its HTTP client's connections).
    """
    expected = SETTINGS_BY_SOURCE.get(source)
    if expected is None:
        raise ValueError(f"no connector for source {source!r}; choose one of {', '.join(SETTINGS_BY_SOURCE)}")
    if not isinstance(settings, expected):
        raise TypeError(f"{source} takes {expected.__name__}, got {type(settings).__name__}")
    if s3 is None and source != "chemrxiv":
        raise ValueError(f"{source} reads object storage: pass S3Settings")
    client = PoliteClient(http, clock=clock)
    if isinstance(settings, ArxivSettings):
        store = S3Store(s3, settings.arxiv_s3_bucket, requester_pays=settings.arxiv_s3_requester_pays)
        return ArxivConnector(settings, client, store)
    if isinstance(settings, BiorxivSettings):
        bucket = settings.biorxiv_s3_bucket if source == "biorxiv" else settings.medrxiv_s3_bucket
        store = S3Store(s3, bucket, requester_pays=settings.biorxiv_s3_requester_pays)
        return BiorxivConnector(source, settings, client, store)  # type: ignore[arg-type]
    if isinstance(settings, ChemrxivSettings):
        return ChemrxivConnector(settings, client)
    assert isinstance(settings, NatureCommunicationsSettings)
    store = S3Store(s3, settings.natcomm_pmc_bucket, requester_pays=False, anonymous=True)
    return NatureCommunicationsConnector(settings, client, store)
