"""Every setting s1mm has, declared once: one model per concern, with its default, meaning and variable name.

A setting's value comes from, in order of precedence:
1. the environment: `S1MM_<FIELD>` (the field name in upper case; `DAGSTER_HOME` is Dagster's own name);
2. a TOML file: `S1MM_CONFIG`, else `$S1MM_HOME/config.toml` when it exists, one table per concern
   (`[captioner]`, `caption_backend = "vllm"`);
3. the default declared here.

`load_settings(environ)` is the only place that reads the environment: the Dagster code location and the CLI call
it once; everything else is handed the models (tests build them with the defaults, so an exported `S1MM_*`
never changes a test). `s1mm config` prints the effective values with where each came from, and the README's
configuration table is generated from these models (`s1mm config --markdown`; a test keeps them equal).

The models are plain pydantic models rather than pydantic-settings' `BaseSettings`, on purpose: a model built in
code never reads the environment behind the caller's back, and the loader records each value's origin.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import pydantic

PREFIX = "S1MM_"
CONFIG_VARIABLE = "S1MM_CONFIG"
CONFIG_FILE_NAME = "config.toml"
_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def project_root() -> Path:
    """The checkout this package runs from (meaningful for the editable install the Makefile makes)."""
    return _PROJECT_ROOT


class SettingsModel(pydantic.BaseModel):
    """The settings of one concern. Subclasses set `section` (their table in the config file and their heading in
    `s1mm config`) and declare fields whose variable is `S1MM_` + the field name in upper case, unless the field
    gives another with `validation_alias`."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    section: ClassVar[str]
    title: ClassVar[str]

    @classmethod
    def variable(cls, field: str) -> str:
        alias = cls.model_fields[field].validation_alias
        return alias if isinstance(alias, str) else PREFIX + field.upper()


class StorageSettings(SettingsModel):
    section: ClassVar[str] = "storage"
    title: ClassVar[str] = "Where state lives"

    home: str = pydantic.Field("", description="all local state; empty: `.s1mm/` in the checkout")
    lake: str = pydantic.Field(
        "",
        description='lake root: a folder or an fsspec URL (`s3://bucket/s1mm`, needs `pip install -e ".[cloud]"`); '
        "empty: `$S1MM_HOME/lake`",
    )
    dagster_home: str = pydantic.Field(
        "",
        validation_alias="DAGSTER_HOME",
        description="Dagster instance (runs, events, check results); empty: `$S1MM_HOME/dagster`",
    )
    duckdb: str = pydantic.Field(
        "",
        description="DuckDB database file with a view of every lake table, kept current as partitions materialize "
        "(`duckdb`, Python or a SQL IDE open it; `s1mm sql` queries it); empty: `$S1MM_HOME/s1mm.duckdb`",
    )

    def home_path(self) -> Path:
        if self.home:
            return Path(self.home).expanduser().resolve()
        if (_PROJECT_ROOT / "pyproject.toml").exists():
            return _PROJECT_ROOT / ".s1mm"
        return Path.cwd() / ".s1mm"

    def lake_url(self) -> str:
        """A local path or an fsspec URL."""
        return self.lake or str(self.home_path() / "lake")

    def dagster_home_path(self) -> Path:
        return Path(self.dagster_home).expanduser() if self.dagster_home else self.home_path() / "dagster"

    def duckdb_path(self) -> Path:
        return Path(self.duckdb).expanduser() if self.duckdb else self.home_path() / "s1mm.duckdb"

    def resolved(self) -> dict[str, str]:
        """What the empty defaults stand for here."""
        return {
            "home": str(self.home_path()),
            "lake": self.lake_url(),
            "dagster_home": str(self.dagster_home_path()),
            "duckdb": str(self.duckdb_path()),
        }


class SourceSettings(SettingsModel):
    section: ClassVar[str] = "sources"
    title: ClassVar[str] = "Where papers come from"

    source_backend: str = pydantic.Field(
        "sample", description="`sample`: the built-in generated corpus; `local`: a folder you bring"
    )
    local_root: str = pydantic.Field(
        "",
        description="for `local`: `<root>/<source>/<YYYY-MM>/` holding bundles (.tar.gz, .zip, .pdf, .xml, folders), "
        "each with an optional `<name>.json` metadata sidecar",
    )
    sample_papers: int = pydantic.Field(6, ge=0, description="papers per sample partition")


class CaptionerSettings(SettingsModel):
    section: ClassVar[str] = "captioner"
    title: ClassVar[str] = "Who writes the enhanced captions"

    caption_backend: str = pydantic.Field(
        "context",
        description="`context`: deterministic fusion of author caption and citing sentences, no model, labelled as "
        "such; `vllm`: a vLLM server; `vllm_offline`: vLLM in process",
    )
    vllm_url: str = pydantic.Field(
        "http://127.0.0.1:8000/v1", description="for `vllm`: the server's OpenAI-compatible API root"
    )
    vllm_model: str = pydantic.Field(
        "", description="for `vllm`: the served model name; for `vllm_offline`: a local checkpoint folder"
    )
    vllm_api_key: str = pydantic.Field(
        "", description="for `vllm`: a bearer token, if the server demands one", json_schema_extra={"secret": True}
    )
    # ~760 characters is ~190 tokens of English; the cap leaves room and marks runaway answers `truncated`.
    caption_max_tokens: int = pydantic.Field(
        320, ge=1, description="cap on an enhanced caption's length (longer answers are `truncated`)"
    )
    caption_temperature: float = pydantic.Field(0.0, ge=0.0, description="sampling temperature (greedy by default)")
    vllm_concurrency: int = pydantic.Field(
        64, ge=1, description="requests in flight (`vllm`), batch size (`vllm_offline`)"
    )
    vllm_timeout_s: float = pydantic.Field(300.0, gt=0, description="per-request timeout")
    vllm_max_attempts: int = pydantic.Field(4, ge=1, description="attempts per figure, retries included")
    vllm_unreachable_after_s: float = pydantic.Field(
        120.0, gt=0, description="the remaining figures fail at once when the server was unreachable this long"
    )
    # Qwen-VL's default budget: 1280 visual tokens of 28x28 pixels (Qwen3-VL: ~980 tokens of 32x32).
    caption_image_max_pixels: int = pydantic.Field(
        1280 * 28 * 28, ge=1, description="images above this many pixels are reduced before they are sent"
    )
    caption_checkpoint_every: int = pydantic.Field(
        64, ge=1, description="answers are saved to the caption cache in batches of this many"
    )


class ScoringSettings(SettingsModel):
    section: ClassVar[str] = "scoring"
    title: ClassVar[str] = "Quality scoring models"

    clip_model: str = pydantic.Field(
        "",
        description="CLIP for scores and figure types: a local open_clip folder, or an architecture name with "
        "`S1MM_CLIP_WEIGHTS`; empty: CLIP not measured",
    )
    clip_weights: str = pydantic.Field("", description="a local weights file for the architecture `S1MM_CLIP_MODEL`")
    masked_lm: str = pydantic.Field(
        "",
        description="masked LM folder for pseudo-perplexity (e.g. SciBERT saved with `save_pretrained`); "
        "empty: not measured",
    )
    scoring_device: str = pydantic.Field("cpu", description="where the scoring models run (`cpu`, `cuda`, `cuda:1`)")
    scoring_batch_size: int = pydantic.Field(32, ge=1, description="images or captions per model batch")
    perplexity_window: int = pydantic.Field(
        0, ge=0, description="tokens of context per masked copy (0: the model's maximum); smaller is faster on CPU"
    )


class GateSettings(SettingsModel):
    section: ClassVar[str] = "release_gate"
    title: ClassVar[str] = "The release gate (blocking checks) and the per-figure filter"

    max_caption_failure_rate: float = pydantic.Field(
        0.05, ge=0, le=1, description="release gate: share of figures allowed without a usable enhanced caption"
    )
    min_enhanced_chars: int = pydantic.Field(
        20, ge=0, description="per-figure filter: shorter enhanced captions are held back"
    )
    require_clip: bool = pydantic.Field(
        False, description="release gate: fail `clip_alignment_improves` when no CLIP model is configured"
    )
    min_clip_delta: float = pydantic.Field(
        0.0, description="release gate: mean `clip_enhanced - clip_raw` must exceed this"
    )
    min_mean_enhanced_chars: float = pydantic.Field(
        100.0, ge=0, description="release gate: lowest mean enhanced caption length (S1-MMAlign: 759 ± 251)"
    )
    max_mean_enhanced_chars: float = pydantic.Field(
        2000.0, ge=0, description="release gate: highest mean enhanced caption length"
    )
    min_mean_grounding: float = pydantic.Field(
        0.8, ge=0, le=1, description="release gate: mean grounding of enhanced captions"
    )
    min_row_grounding: float = pydantic.Field(
        0.5, ge=0, le=1, description="per-figure filter: less grounded captions are held back"
    )
    hold_back_invented_numbers: bool = pydantic.Field(
        True, description="per-figure filter: hold back captions stating numbers no source has"
    )
    # Measured on the sample corpus: a figure resized to 60 % and re-saved as JPEG lies within 10 bits of itself;
    # distinct figures lie 20 bits or more apart, the same diagram in another palette 12-14 (lib/score/dedup.py).
    near_duplicate_max_bits: int = pydantic.Field(
        10,
        ge=0,
        le=256,
        description="perceptual-hash distance (of 256 bits) that counts as the same picture",
    )
    license_policy: str = pydantic.Field(
        "cc-by-compatible",
        description="per-figure filter: `cc-by-compatible` (CC0, public domain, CC BY), `creative-commons` (any "
        "CC), `any`, or a list of ids such as `CC-BY-4.0,CC-BY-SA-4.0`",
    )

    @pydantic.field_validator("license_policy")
    @classmethod
    def _known_policy(cls, value: str) -> str:
        from s1mm_assets.lib.licenses import check_policy

        return check_policy(value)


class ClusterSettings(SettingsModel):
    section: ClassVar[str] = "cluster"
    title: ClassVar[str] = "How steps run"

    executor: str = pydantic.Field(
        "multiprocess",
        description="`multiprocess`: steps in processes on this machine; `k8s`: every step in its own Kubernetes "
        'pod (see "On Kubernetes")',
    )
    figures_step_cpus: int = pydantic.Field(
        0,
        ge=0,
        description="on a cluster: CPUs (request = limit) and 2 GiB each for the `figures` step's pod; its worker "
        "pool follows",
    )


CONCERNS: tuple[type[SettingsModel], ...] = (
    StorageSettings,
    SourceSettings,
    CaptionerSettings,
    ScoringSettings,
    GateSettings,
    ClusterSettings,
)


@dataclasses.dataclass(frozen=True)
class Settings:
    """The effective settings of every concern, and where each value came from."""

    storage: StorageSettings = StorageSettings()
    sources: SourceSettings = SourceSettings()
    captioner: CaptionerSettings = CaptionerSettings()
    scoring: ScoringSettings = ScoringSettings()
    release_gate: GateSettings = GateSettings()
    cluster: ClusterSettings = ClusterSettings()
    # (section, field) -> "environment" | "file <path>"; fields not listed have their default
    origins: Mapping[tuple[str, str], str] = dataclasses.field(default_factory=dict)

    def origin(self, section: str, field: str) -> str:
        return self.origins.get((section, field), "default")

    def concerns(self) -> list[SettingsModel]:
        return [getattr(self, model.section) for model in CONCERNS]


class SettingsError(ValueError):
    """A setting has a value its model refuses; the message names the variable and where the value came from."""


def load_settings(environ: Mapping[str, str] | None = None, config_file: Path | None = None) -> Settings:
    """The effective settings: `environ` over the config file over the defaults. `environ` defaults to the
    process environment; this is the one function that reads it."""
    environ = os.environ if environ is None else environ
    path = config_file or _config_file(environ)
    file_values = tomllib.loads(path.read_text(encoding="utf-8")) if path is not None else {}
    unknown = sorted(set(file_values) - {model.section for model in CONCERNS})
    if unknown:
        raise SettingsError(f"{path}: unknown table(s) {', '.join(unknown)}; known: {_sections()}")
    models: dict[str, SettingsModel] = {}
    origins: dict[tuple[str, str], str] = {}
    for model in CONCERNS:
        values: dict[str, Any] = {}
        section_values = dict(file_values.get(model.section, {}))
        for name in model.model_fields:
            in_file = name in section_values
            from_file = section_values.pop(name, None)
            if model.variable(name) in environ:
                values[name], origins[(model.section, name)] = environ[model.variable(name)], "environment"
            elif in_file:
                values[name], origins[(model.section, name)] = from_file, f"file {path}"
        if section_values:
            raise SettingsError(f"{path}: [{model.section}] has no setting(s) {', '.join(sorted(section_values))}")
        try:
            models[model.section] = model.model_validate(values)
        except pydantic.ValidationError as error:
            raise SettingsError(_explain(model, error, origins)) from None
    return Settings(**models, origins=origins)


def setting_variables() -> list[str]:
    """Every environment variable that is a setting (what a test strips to be immune to the caller's shell)."""
    return [CONFIG_VARIABLE] + [model.variable(name) for model in CONCERNS for name in model.model_fields]


def _config_file(environ: Mapping[str, str]) -> Path | None:
    if environ.get(CONFIG_VARIABLE):
        path = Path(environ[CONFIG_VARIABLE]).expanduser()
        if not path.is_file():
            raise SettingsError(f"{CONFIG_VARIABLE}={path}: no such file")
        return path
    home = StorageSettings.model_validate(
        {"home": environ[StorageSettings.variable("home")]} if StorageSettings.variable("home") in environ else {}
    ).home_path()
    default = home / CONFIG_FILE_NAME
    return default if default.is_file() else None


def _explain(model: type[SettingsModel], error: pydantic.ValidationError, origins: Mapping) -> str:
    problems = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "?"
        where = origins.get((model.section, name), "default") if name in model.model_fields else "?"
        variable = model.variable(name) if name in model.model_fields else name
        problems.append(f"{variable} (from {where}): {problem['msg']}")
    return "; ".join(problems)


def _sections() -> str:
    return ", ".join(model.section for model in CONCERNS)
