"""Paper sources: what a (source, month) partition holds and how its bundles are fetched.

`backends.open_source` picks the backend of a source (sample, local or live, S1MM_SOURCE_BACKEND) and opens it in
the one shape the stages use: `list_month` pages, then `fetch` outcomes per listed paper.
"""

from __future__ import annotations

from s1mm_assets.lib.sources.base import (
    BUNDLE_KINDS,
    NATIVE_BUNDLE_KIND,
    SOURCES,
    CatalogEntry,
    PaperBundle,
    PaperMetadata,
    PaperSourceBackend,
)

__all__ = [
    "BUNDLE_KINDS",
    "NATIVE_BUNDLE_KIND",
    "SOURCES",
    "CatalogEntry",
    "PaperBundle",
    "PaperMetadata",
    "PaperSourceBackend",
]
