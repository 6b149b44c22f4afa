"""Paper sources: which backend provides the bundles of a (source, month) partition."""

from __future__ import annotations

from s1mm_assets.lib.settings import SourceSettings
from s1mm_assets.lib.sources.base import (
    BUNDLE_KINDS,
    NATIVE_BUNDLE_KIND,
    SOURCES,
    PaperBundle,
    PaperMetadata,
    PaperSourceBackend,
)

BACKENDS = ("sample", "local")


def open_source_backend(settings: SourceSettings) -> PaperSourceBackend:
    if settings.source_backend == "sample":
        from s1mm_assets.lib.sources.sample import SampleSource

        return SampleSource(papers_per_partition=settings.sample_papers)
    if settings.source_backend == "local":
        if not settings.local_root:
            raise ValueError("the `local` source backend needs a folder (S1MM_LOCAL_ROOT)")
        from s1mm_assets.lib.sources.local import LocalFolderSource

        return LocalFolderSource(settings.local_root)
    raise ValueError(
        f"unknown source backend {settings.source_backend!r} (S1MM_SOURCE_BACKEND); choose one of {', '.join(BACKENDS)}"
    )


__all__ = [
    "BACKENDS",
    "BUNDLE_KINDS",
    "NATIVE_BUNDLE_KIND",
    "SOURCES",
    "PaperBundle",
    "PaperMetadata",
    "PaperSourceBackend",
    "open_source_backend",
]
