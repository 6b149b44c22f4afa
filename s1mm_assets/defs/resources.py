"""Resources: the settings of each concern (`lib/settings.py`) as Dagster resources, so a run can change them in
the launchpad.

Each resource class takes its fields from its concerns' settings models (names, types, defaults, descriptions):
nothing is restated here. The code location builds them from the effective settings (environment, config file,
defaults) once, when it loads; `settings_of(model)` turns a resource's fields back into the validated model that
`lib/` works with (`settings()`: its first concern's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

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
    ArxivSettings,
    BiorxivSettings,
    CaptionerSettings,
    ChemrxivSettings,
    ExtractionSettings,
    GateSettings,
    HttpSettings,
    NatureCommunicationsSettings,
    S3Settings,
    ScoringSettings,
    Settings,
    SettingsModel,
    SourceSettings,
    StorageSettings,
)
from s1mm_assets.lib.sources.backends import open_source

if TYPE_CHECKING:
    from s1mm_assets.lib.sources.connectors import Connector

# What decides where a source's papers come from and how the real services are reached: one resource, so that a
# run's launchpad changes the backend and the connectors' settings together.
SOURCE_CONCERNS = (
    SourceSettings,
    HttpSettings,
    S3Settings,
    ArxivSettings,
    BiorxivSettings,
    ChemrxivSettings,
    NatureCommunicationsSettings,
)


class _SettingsResource(dg.ConfigurableResource):
    settings_models: ClassVar[tuple[type[SettingsModel], ...]]

    def settings_of(self, model: type[SettingsModel]) -> SettingsModel:
        """The resource's fields of one concern, validated into its settings model."""
        return model.model_validate({name: getattr(self, name) for name in model.model_fields})

    def settings(self):
        """The resource's fields, validated into its (first) concern's settings model."""
        return self.settings_of(self.settings_models[0])


def _fields_of(*models: type[SettingsModel]) -> type[_SettingsResource]:
    """A resource base class with the models' fields (names, types, defaults, descriptions)."""
    fields = {
        name: (field.annotation, pydantic.Field(field.default, description=field.description))
        for model in models
        for name, field in model.model_fields.items()
    }
    base = pydantic.create_model(f"{models[0].__name__}Fields", __base__=_SettingsResource, **fields)
    base.settings_models = models
    return base


class LakeResource(_fields_of(StorageSettings)):
    """Where state lives: the lake root (a folder or an fsspec URL such as `s3://bucket/prefix`), and the DuckDB
    database file whose views show it to any SQL client."""

    def open(self) -> Lake:
        storage = self.settings()
        return Lake(storage.lake_url(), storage.storage_options())

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        # After every step that wrote the lake, the database file's views cover what it now holds (a no-op unless a
        # table got its first partition). A failure here leaves the data written and says so; `s1mm sql` retries.
        try:
            refresh_database(self.open(), self.settings().duckdb_path())
        except (OSError, TimeoutError, duckdb.Error) as error:
            context.log.warning(f"the DuckDB views in {self.settings().duckdb_path()} were not refreshed: {error}")


class PaperSourceResource(_fields_of(*SOURCE_CONCERNS)):
    """Which backend provides each source's papers: `sample` (generated demo corpus), `local` (a folder you bring) or
    `live` (the real services), and how the live connectors reach the services (politeness, object storage,
    endpoints)."""

    def source_settings(self) -> Settings:
        return Settings(**{model.section: self.settings_of(model) for model in self.settings_models})

    def backend_for(self, source: str) -> str:
        return self.settings().backend_for(source)

    def open(self, source: str) -> Connector:
        """The connector of `source` under these settings; the caller closes it."""
        return open_source(source, self.source_settings())


class ExtractionLimitsResource(_fields_of(ExtractionSettings)):
    """What one paper's extraction may cost (time, memory, output, pixels, unpacked bytes) before it is
    quarantined; every paper is extracted in a worker process held to these limits."""


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

    def values(*models: type[SettingsModel]) -> dict:
        return {name: value for model in models for name, value in _values(settings, model).items()}

    return {
        "lake": LakeResource(**values(StorageSettings)),
        "paper_source": PaperSourceResource(**values(*SOURCE_CONCERNS)),
        "extraction_limits": ExtractionLimitsResource(**values(ExtractionSettings)),
        "captioner": CaptionerResource(**values(CaptionerSettings)),
        "quality_gate": QualityGateResource(**values(GateSettings)),
        "scoring_models": ScoringModelsResource(**values(ScoringSettings)),
    }


def _values(settings: Settings, model: type[SettingsModel]) -> dict:
    """A concern's values as resource fields. A secret set in the environment goes in as `dg.EnvVar`: the run
    reads it from its own environment, and Dagster never stores or shows the value in a run's configuration."""
    values = getattr(settings, model.section).model_dump()
    for name, field in model.model_fields.items():
        secret = (field.json_schema_extra or {}).get("secret")
        if secret and settings.origin(model.section, name) == "environment":
            values[name] = dg.EnvVar(model.variable(name))
    return values
