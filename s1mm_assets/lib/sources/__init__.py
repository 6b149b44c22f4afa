"""Paper sources: which backend provides the bundles of a (source, month) partition."""

from __future__ import annotations

from s1mm_assets.lib.sources.base import (
    BUNDLE_KINDS,
    NATIVE_BUNDLE_KIND,
    SOURCES,
    PaperBundle,
    PaperMetadata,
    PaperSourceBackend,
)

BACKENDS = ("sample", "local")


def open_source_backend(
    name: str, *, local_root: str | None = None, sample_papers_per_partition: int = 6
) -> PaperSourceBackend:
    if name == "sample":
        from s1mm_assets.lib.sources.sample import SampleSource

        return SampleSource(papers_per_partition=sample_papers_per_partition)
    if name == "local":
        if not local_root:
            raise ValueError("the `local` source backend needs a folder (S1MM_LOCAL_ROOT or local_root)")
        from s1mm_assets.lib.sources.local import LocalFolderSource

        return LocalFolderSource(local_root)
    raise ValueError(f"unknown source backend {name!r}; choose one of {', '.join(BACKENDS)}")


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
