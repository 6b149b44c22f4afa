"""Which backend provides a source's papers (S1MM_SOURCE_BACKEND), opened in the shape every stage uses.

`sample` and `local` need no network; `live` opens the source's real connector with the politeness, object-storage
and connector settings. The default is `sample` for every source: nothing touches the network unless asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from s1mm_assets.lib.settings import SOURCE_BACKENDS, Settings, SettingsModel
from s1mm_assets.lib.sources.base import SOURCES
from s1mm_assets.lib.sources.offline import OfflineConnector

if TYPE_CHECKING:  # the real connectors pull in httpx, boto3 and lxml: imported when a `live` source is opened
    from s1mm_assets.lib.sources.connectors import Connector
    from s1mm_assets.lib.sources.http import Clock

__all__ = ["SOURCE_BACKENDS", "connector_settings", "open_source"]


class BackendUnavailable(ValueError):
    """The configured backend cannot be opened as configured; the message says which setting to change."""


def open_source(source: str, settings: Settings, *, clock: Clock | None = None) -> Connector:
    """The connector that lists and fetches `source` under `settings`; the caller closes it."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; choose one of {', '.join(SOURCES)}")
    backend = settings.sources.backend_for(source)
    if backend == "sample":
        from s1mm_assets.lib.sources.sample import SampleSource

        return OfflineConnector(SampleSource(papers_per_partition=settings.sources.sample_papers), source)
    if backend == "local":
        if not settings.sources.local_root:
            raise BackendUnavailable(f"{source}: the `local` source backend needs a folder (S1MM_LOCAL_ROOT)")
        from s1mm_assets.lib.sources.local import LocalFolderSource

        return OfflineConnector(LocalFolderSource(settings.sources.local_root), source)
    if not settings.http.http_contact_email:
        raise BackendUnavailable(
            f"{source}: the `live` backend sends a contact address with every request, as the services ask of "
            "harvesters; set S1MM_HTTP_CONTACT_EMAIL"
        )
    from s1mm_assets.lib.sources.connectors import open_connector

    return open_connector(source, connector_settings(source, settings), http=settings.http, s3=settings.s3, clock=clock)


def connector_settings(source: str, settings: Settings) -> SettingsModel:
    """The settings of `source`'s real connector (bioRxiv and medRxiv share theirs)."""
    section = {"medrxiv": "biorxiv"}.get(source, source)
    return getattr(settings, section)
