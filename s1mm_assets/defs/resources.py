"""Resources: where the lake is, where papers come from, who writes captions, what the release gate demands.

Every field has an embedded default so the project runs on one machine with no configuration, and an
environment variable so a deployment can change it without code (read when the code location loads).
"""

from __future__ import annotations

import os

import dagster as dg

from s1mm_assets.lib import settings
from s1mm_assets.lib.caption import CaptionBackend, ContextFusionBackend
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.score.row_filter import RowPolicy
from s1mm_assets.lib.sources import PaperSourceBackend, open_source_backend


class LakeResource(dg.ConfigurableResource):
    """The lake root: a local folder or an fsspec URL (`s3://bucket/prefix`). Empty: `$S1MM_HOME/lake`."""

    url: str = ""

    def open(self) -> Lake:
        return Lake(self.url or settings.lake_root())


class PaperSourceResource(dg.ConfigurableResource):
    """Which backend provides the papers: `sample` (generated demo corpus) or `local` (a folder you bring)."""

    backend: str = "sample"
    local_root: str = ""
    sample_papers_per_partition: int = 6

    def open(self) -> PaperSourceBackend:
        return open_source_backend(
            self.backend,
            local_root=self.local_root or None,
            sample_papers_per_partition=self.sample_papers_per_partition,
        )


class CaptionerResource(dg.ConfigurableResource):
    """The captioning backend. `context` (default) fuses the author caption with citing sentences, no model."""

    backend: str = "context"

    def open(self) -> CaptionBackend:
        if self.backend == "context":
            return ContextFusionBackend()
        raise ValueError(f"unknown caption backend {self.backend!r}; available: context")


class QualityGateResource(dg.ConfigurableResource):
    """Thresholds of the release gate (blocking checks) and of the per-figure filter."""

    max_caption_failure_rate: float = 0.05
    min_enhanced_chars: int = 20

    def row_policy(self) -> RowPolicy:
        return RowPolicy(min_enhanced_chars=self.min_enhanced_chars)


def resources_from_environment() -> dict[str, dg.ConfigurableResource]:
    environment = os.environ
    return {
        "lake": LakeResource(url=environment.get("S1MM_LAKE", "")),
        "paper_source": PaperSourceResource(
            backend=environment.get("S1MM_SOURCE_BACKEND", "sample"),
            local_root=environment.get("S1MM_LOCAL_ROOT", ""),
            sample_papers_per_partition=int(environment.get("S1MM_SAMPLE_PAPERS", "6")),
        ),
        "captioner": CaptionerResource(backend=environment.get("S1MM_CAPTION_BACKEND", "context")),
        "quality_gate": QualityGateResource(
            max_caption_failure_rate=float(environment.get("S1MM_MAX_CAPTION_FAILURE_RATE", "0.05")),
            min_enhanced_chars=int(environment.get("S1MM_MIN_ENHANCED_CHARS", "20")),
        ),
    }
