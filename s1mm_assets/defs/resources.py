"""Resources: the settings of each concern (`lib/settings.py`) as Dagster resources, so a run can change them in
the launchpad.

Each resource class takes its fields from the concern's settings model (names, types, defaults, descriptions):
nothing is restated here. The code location builds them from the effective settings (environment, config file,
defaults) once, when it loads; `settings()` turns a resource's fields back into the validated model that
`lib/` works with.
"""

from __future__ import annotations

from typing import ClassVar

import dagster as dg
import duckdb
import pydantic
from pydantic import PrivateAttr

from s1mm_assets.lib.caption import CaptionBackend
from s1mm_assets.lib.caption.backends import open_backend
from s1mm_assets.lib.database import refresh_database
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.score.models import ScoringModels, load_scoring_models
from s1mm_assets.lib.settings import (
    CaptionerSettings,
    GateSettings,
    ScoringSettings,
    Settings,
    SettingsModel,
    SourceSettings,
    StorageSettings,
)
from s1mm_assets.lib.sources import PaperSourceBackend, open_source_backend


class _SettingsResource(dg.ConfigurableResource):
    settings_model: ClassVar[type[SettingsModel]]

    def settings(self):
        """The resource's fields, validated into the concern's settings model."""
        return self.settings_model.model_validate(
            {name: getattr(self, name) for name in self.settings_model.model_fields}
        )


def _fields_of(model: type[SettingsModel]) -> type[_SettingsResource]:
    """A resource base class with the model's fields (names, types, defaults, descriptions)."""
    fields = {
        name: (field.annotation, pydantic.Field(field.default, description=field.description))
        for name, field in model.model_fields.items()
    }
    base = pydantic.create_model(f"{model.__name__}Fields", __base__=_SettingsResource, **fields)
    base.settings_model = model
    return base


class LakeResource(_fields_of(StorageSettings)):
    """Where state lives: the lake root (a folder or an fsspec URL such as `s3://bucket/prefix`), and the DuckDB
    database file whose views show it to any SQL client."""

    def open(self) -> Lake:
        return Lake(self.settings().lake_url())

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        # After every step that wrote the lake, the database file's views cover what it now holds (a no-op unless a
        # table got its first partition). A failure here leaves the data written and says so; `s1mm sql` retries.
        try:
            refresh_database(self.open(), self.settings().duckdb_path())
        except (OSError, TimeoutError, duckdb.Error) as error:
            context.log.warning(f"the DuckDB views in {self.settings().duckdb_path()} were not refreshed: {error}")


class PaperSourceResource(_fields_of(SourceSettings)):
    """Which backend provides the papers: `sample` (generated demo corpus) or `local` (a folder you bring)."""

    def open(self) -> PaperSourceBackend:
        return open_source_backend(self.settings())


class CaptionerResource(_fields_of(CaptionerSettings)):
    """Who writes the enhanced captions: `context` (no model, labelled as such), `vllm` (a vLLM server's
    OpenAI-compatible API) or `vllm_offline` (vLLM's engine in process on a local checkpoint)."""

    def open(self) -> CaptionBackend:
        return open_backend(self.settings())


class QualityGateResource(_fields_of(GateSettings)):
    """Thresholds of the release gate (blocking checks) and of the per-figure filter."""


class ScoringModelsResource(_fields_of(ScoringSettings)):
    """Local model files for quality scoring, loaded once per step. Empty: that metric is not measured."""

    _models: ScoringModels | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._models = load_scoring_models(self.settings())

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._models = None

    def models(self) -> ScoringModels:
        if self._models is None:
            raise RuntimeError("scoring models are loaded when a step that uses this resource starts")
        return self._models


def resources_from_settings(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    """The resources a run gets unless the launchpad changes them."""
    return {
        "lake": LakeResource(**settings.storage.model_dump()),
        "paper_source": PaperSourceResource(**settings.sources.model_dump()),
        "captioner": CaptionerResource(**settings.captioner.model_dump()),
        "quality_gate": QualityGateResource(**settings.release_gate.model_dump()),
        "scoring_models": ScoringModelsResource(**settings.scoring.model_dump()),
    }
