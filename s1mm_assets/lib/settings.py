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
    # The lake's own endpoint and credentials, apart from S1MM_S3_* (the source buckets, on AWS): a lake on MinIO or
    # Ceph beside requester-pays reads from AWS is the common cluster setup, and AWS_ENDPOINT_URL would move both.
    lake_endpoint_url: str = pydantic.Field(
        "",
        description="S3 endpoint of an `s3://` lake; empty: AWS (set it for MinIO, Ceph, R2 or a test server)",
    )
    lake_region: str = pydantic.Field("", description="region of an `s3://` lake's bucket; empty: boto3's default")
    lake_access_key_id: str = pydantic.Field(
        "",
        description="access key of an `s3://` lake; empty: boto3's usual chain (`AWS_ACCESS_KEY_ID`, `AWS_PROFILE`, "
        "an instance role)",
    )
    lake_secret_access_key: str = pydantic.Field(
        "", description="the secret of `S1MM_LAKE_ACCESS_KEY_ID`", json_schema_extra={"secret": True}
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

    def storage_options(self, url: str | None = None) -> dict[str, Any]:
        """fsspec options to open `url` (default: the lake) with: for `s3://`, the lake's endpoint, region and
        credentials where set, and listings never cached, since other processes write the lake (a cached listing
        would hide their partitions). A lake option set for a lake that is not on S3 is an error, not ignored."""
        url = self.lake_url() if url is None else url
        fields = ("lake_endpoint_url", "lake_region", "lake_access_key_id", "lake_secret_access_key")
        if not url.startswith("s3://"):
            named = [self.variable(name) for name in fields if getattr(self, name)]
            if named:
                raise SettingsError(f"{', '.join(named)}: for an s3:// lake only, and the lake is {url}")
            return {}
        options: dict[str, Any] = {"use_listings_cache": False}
        if self.lake_endpoint_url:
            options["endpoint_url"] = self.lake_endpoint_url
        if self.lake_region:
            options["client_kwargs"] = {"region_name": self.lake_region}
        if self.lake_access_key_id:
            options |= {"key": self.lake_access_key_id, "secret": self.lake_secret_access_key}
        return options

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


SOURCE_BACKENDS = ("sample", "local", "live")


class SourceSettings(SettingsModel):
    section: ClassVar[str] = "sources"
    title: ClassVar[str] = "Where papers come from"

    source_backend: str = pydantic.Field(
        "sample",
        description="`sample`: the built-in generated corpus; `local`: a folder you bring; `live`: the real services "
        '(arXiv, bioRxiv, medRxiv, ChemRxiv, Nature Communications; see "Real papers"). One backend for every '
        "source, or a default and per-source choices: `sample,arxiv=live,medrxiv=live`",
    )
    local_root: str = pydantic.Field(
        "",
        description="for `local`: `<root>/<source>/<YYYY-MM>/` holding bundles (.tar.gz, .zip, .pdf, .xml, folders), "
        "each with an optional `<name>.json` metadata sidecar",
    )
    sample_papers: int = pydantic.Field(6, ge=0, description="papers per sample partition")
    source_paper_cap: int = pydantic.Field(
        0,
        ge=0,
        description="most papers listed and fetched per partition, in the order the source lists them (0: all); "
        "for a first trial of a real month",
    )
    source_checkpoint_every: int = pydantic.Field(
        200,
        ge=1,
        description="listed papers and fetch outcomes are saved to the lake in batches of this many, so an "
        "interrupted listing or download resumes where it stopped",
    )

    @pydantic.field_validator("source_backend")
    @classmethod
    def _known_backends(cls, value: str) -> str:
        _parse_backends(value)
        return value

    def backend_for(self, source: str) -> str:
        """The backend that provides `source`'s papers: its own choice, else the default."""
        default, per_source = _parse_backends(self.source_backend)
        return per_source.get(source, default)


def _parse_backends(value: str) -> tuple[str, dict[str, str]]:
    """(default backend, {source: backend}) of a `sample,arxiv=live` spelling; ValueError naming what is wrong."""
    from s1mm_assets.lib.sources.base import SOURCES

    default, per_source = "", {}
    for item in (part.strip() for part in value.split(",")):
        source, _, backend = (word.strip() for word in item.rpartition("="))
        if backend not in SOURCE_BACKENDS:
            raise ValueError(f"unknown source backend {backend!r} in {value!r}; choose {', '.join(SOURCE_BACKENDS)}")
        if not source:
            if default:
                raise ValueError(f"{value!r} names two default backends; give one, and `source=backend` for others")
            default = backend
        elif source not in SOURCES:
            raise ValueError(f"unknown source {source!r} in {value!r}; the sources are {', '.join(SOURCES)}")
        else:
            per_source[source] = backend
    return default or "sample", per_source


# Minimum seconds between two requests to one host. arXiv's terms for its APIs (OAI-PMH, export): one request every
# 3 s and one connection. bioRxiv/medRxiv publish no limit: one a second is what careful harvesters use. Crossref's
# polite pool (with mailto) was observed at 3 requests a second in 2026. Europe PMC publishes no number: two a
# second keeps a monthly harvest under a minute. NCBI: 3 a second without an API key.
_POLITE_INTERVALS = (
    "oaipmh.arxiv.org=3,export.arxiv.org=3,api.biorxiv.org=1,api.crossref.org=0.34,www.ebi.ac.uk=0.5,"
    "eutils.ncbi.nlm.nih.gov=0.34,pmc.ncbi.nlm.nih.gov=0.34,www.ncbi.nlm.nih.gov=0.34,chemrxiv.org=1"
)


class HttpSettings(SettingsModel):
    section: ClassVar[str] = "http"
    title: ClassVar[str] = "How s1mm talks to the services it harvests (the `live` backend)"

    http_contact_email: str = pydantic.Field(
        "",
        description="contact address sent in the User-Agent (and as Crossref's `mailto`): services write to an "
        "operator instead of blocking them; the `live` backend refuses to start without one",
    )
    http_user_agent: str = pydantic.Field(
        "s1mm/0.1 (figure-caption dataset builder)",
        description="product token of the User-Agent; the contact address is appended as `mailto:`",
    )
    http_rate_limits_enabled: bool = pydantic.Field(
        True, description="wait between requests to one host; switch off only for local test servers"
    )
    http_rate_limits: str = pydantic.Field(
        _POLITE_INTERVALS, description="minimum seconds between two requests to a host, as `host=seconds,...`"
    )
    http_default_min_interval_s: float = pydantic.Field(
        1.0, ge=0, description="minimum seconds between two requests to a host `S1MM_HTTP_RATE_LIMITS` does not name"
    )
    http_single_connection_hosts: str = pydantic.Field(
        "oaipmh.arxiv.org,export.arxiv.org",
        description="hosts that allow one connection at a time (comma-separated): their requests never overlap",
    )
    http_max_attempts: int = pydantic.Field(6, ge=1, description="attempts per request, the first included")
    http_backoff_initial_s: float = pydantic.Field(
        2.0, gt=0, description="first wait after a 429, a 5xx or a lost connection; it doubles each retry"
    )
    http_backoff_max_s: float = pydantic.Field(120.0, gt=0, description="longest wait between two attempts")
    http_backoff_jitter_s: float = pydantic.Field(1.0, ge=0, description="random extra wait added to each backoff")
    http_retry_after_max_s: float = pydantic.Field(
        600.0, gt=0, description="longest `Retry-After` honoured; a longer one is capped to this"
    )
    http_connect_timeout_s: float = pydantic.Field(10.0, gt=0, description="seconds to establish a connection")
    http_read_timeout_s: float = pydantic.Field(60.0, gt=0, description="seconds without a byte before giving up")

    @pydantic.field_validator("http_rate_limits")
    @classmethod
    def _readable_limits(cls, value: str) -> str:
        _host_intervals(value)
        return value

    def user_agent(self) -> str:
        agent = self.http_user_agent
        return f"{agent} mailto:{self.http_contact_email}" if self.http_contact_email else agent

    def rate_limits(self) -> dict[str, float]:
        """Minimum seconds between two requests, by host name."""
        return _host_intervals(self.http_rate_limits)

    def single_connection_hosts(self) -> frozenset[str]:
        return frozenset(host.strip() for host in self.http_single_connection_hosts.split(",") if host.strip())


def _host_intervals(value: str) -> dict[str, float]:
    intervals = {}
    for item in (part.strip() for part in value.split(",") if part.strip()):
        host, _, seconds = item.partition("=")
        try:
            intervals[host.strip()] = float(seconds)
        except ValueError:
            raise ValueError(f"{item!r} is not `host=seconds`") from None
        if not host.strip() or intervals[host.strip()] < 0:
            raise ValueError(f"{item!r} is not `host=seconds` with seconds >= 0")
    return intervals


class S3Settings(SettingsModel):
    section: ClassVar[str] = "s3"
    title: ClassVar[str] = "Object storage the bulk sources publish (requester-pays buckets)"

    s3_endpoint_url: str = pydantic.Field(
        "", description="S3 endpoint of the source buckets; empty: AWS (set it for a mirror or a test server)"
    )
    s3_region: str = pydantic.Field("us-east-1", description="region of the source buckets (all in us-east-1)")
    s3_access_key_id: str = pydantic.Field(
        "",
        description="AWS access key that pays for the requester-pays buckets (arXiv, bioRxiv, medRxiv); empty: "
        "boto3's usual chain (`AWS_PROFILE`, `~/.aws`, an instance role)",
    )
    s3_secret_access_key: str = pydantic.Field(
        "", description="the secret of `S1MM_S3_ACCESS_KEY_ID`", json_schema_extra={"secret": True}
    )
    s3_max_attempts: int = pydantic.Field(5, ge=1, description="attempts per S3 request (botocore standard retries)")
    s3_resume_attempts: int = pydantic.Field(
        5, ge=0, description="how often a download broken off mid-stream is resumed with a ranged GET"
    )


class ArxivSettings(SettingsModel):
    section: ClassVar[str] = "arxiv"
    title: ClassVar[str] = "arXiv (`live`): OAI-PMH listing, LaTeX sources from the bulk bucket"

    arxiv_oai_url: str = pydantic.Field(
        "https://oaipmh.arxiv.org/oai", description="OAI-PMH endpoint (the service arXiv moved to in 2025)"
    )
    arxiv_oai_set: str = pydantic.Field(
        "", description="harvest one OAI set only (2025 names, e.g. `cs` or `physics:hep-th`); empty: all of arXiv"
    )
    arxiv_eprint_url: str = pydantic.Field(
        "https://export.arxiv.org/e-print",
        description="where one e-print is fetched when the bulk tar holds an older version than the listing",
    )
    arxiv_eprint_fallback_max: int = pydantic.Field(
        200, ge=0, description="most e-prints fetched one by one per run; beyond that papers wait for the bulk tars"
    )
    arxiv_s3_bucket: str = pydantic.Field("arxiv", description="bucket of the bulk source tars (requester pays)")
    arxiv_s3_requester_pays: bool = pydantic.Field(
        True, description="send `RequestPayer=requester` to the bulk bucket (it is requester-pays on AWS)"
    )
    arxiv_manifest_key: str = pydantic.Field(
        "src/arXiv_src_manifest.xml", description="key of the manifest that lists every bulk source tar"
    )
    arxiv_max_token_restarts: int = pydantic.Field(
        20, ge=0, description="how often one listing may restart after an expired resumption token"
    )


class BiorxivSettings(SettingsModel):
    section: ClassVar[str] = "biorxiv"
    title: ClassVar[str] = "bioRxiv and medRxiv (`live`): details API listing, MECA packages from S3"

    biorxiv_api_url: str = pydantic.Field("https://api.biorxiv.org", description="base URL of the details API")
    biorxiv_s3_bucket: str = pydantic.Field("biorxiv-src-monthly", description="bioRxiv's MECA bucket (requester pays)")
    medrxiv_s3_bucket: str = pydantic.Field("medrxiv-src-monthly", description="medRxiv's MECA bucket (requester pays)")
    biorxiv_s3_requester_pays: bool = pydantic.Field(
        True, description="send `RequestPayer=requester` to the MECA buckets (requester-pays on AWS)"
    )
    biorxiv_meca_prefix: str = pydantic.Field(
        "Current_Content/", description="folder of the monthly MECA folders (`<Month>_<YYYY>/`) in the buckets"
    )
    biorxiv_meca_months_after: int = pydantic.Field(
        1,
        ge=0,
        description="besides the month's own MECA folder, how many following months' folders are searched (a "
        "version posted at the end of a month is often deposited in the next)",
    )


class ChemrxivSettings(SettingsModel):
    section: ClassVar[str] = "chemrxiv"
    title: ClassVar[str] = "ChemRxiv (`live`): Crossref listing, one PDF per paper"

    chemrxiv_crossref_url: str = pydantic.Field("https://api.crossref.org", description="Crossref REST API base URL")
    chemrxiv_doi_prefix: str = pydantic.Field("10.26434", description="ChemRxiv's DOI prefix at Crossref")
    chemrxiv_rows: int = pydantic.Field(1000, ge=1, le=1000, description="items per Crossref page (1000 at most)")


class NatureCommunicationsSettings(SettingsModel):
    section: ClassVar[str] = "nature_communications"
    title: ClassVar[str] = "Nature Communications (`live`): Europe PMC listing, PMC's open bucket"

    natcomm_europepmc_url: str = pydantic.Field(
        "https://www.ebi.ac.uk/europepmc/webservices/rest", description="Europe PMC REST API base URL"
    )
    natcomm_issn: str = pydantic.Field("2041-1723", description="the journal's ISSN (Nature Communications: online)")
    natcomm_page_size: int = pydantic.Field(
        1000, ge=1, le=1000, description="records per Europe PMC page (1000 at most)"
    )
    natcomm_pmc_bucket: str = pydantic.Field(
        "pmc-oa-opendata", description="PMC Cloud Service bucket (open, not requester-pays)"
    )
    natcomm_deposit_lag_days: int = pydantic.Field(
        90,
        ge=0,
        description="days after a month's end during which PMC deposits still arrive: a listing run earlier says "
        "the month may under-count",
    )


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


SCORING_PRECISIONS = ("auto", "float32", "bfloat16", "float16")
# Padded tokens per masked-LM forward pass, by device type. A BERT-base batch of 65,536 tokens needs ~1 GB of
# activations in half precision, a fraction of a GPU's memory. On a CPU, batches that outgrow the caches are slower:
# BERT-base took ~20% more CPU time per caption at 8,192 tokens than at 2,048 (bench/score_throughput.py).
PERPLEXITY_TOKEN_BUDGETS = {"cuda": 65536, "cpu": 2048}
# Starting the decoding processes (spawned, each importing torch) costs seconds of CPU: below this many images a
# partition's images are decoded on threads of the scoring process.
CLIP_PROCESSES_FROM_IMAGES = 1024


def default_token_budget(device: str) -> int:
    """The masked LM's tokens per forward pass on `device` (`cuda:1` is a `cuda` device; unknown types: a CPU's)."""
    return PERPLEXITY_TOKEN_BUDGETS.get(device.split(":")[0], PERPLEXITY_TOKEN_BUDGETS["cpu"])


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
    scoring_precision: str = pydantic.Field(
        "auto",
        description="what both scoring models compute in: `auto` (bfloat16 on a CUDA card, float16 where it lacks "
        "bfloat16, float32 on a CPU), `float32`, `bfloat16` or `float16`",
    )
    scoring_batch_size: int = pydantic.Field(
        32, ge=1, description="images or captions per CLIP batch; a GPU is fuller with more (the GPU benchmark: 256)"
    )
    clip_decode_workers: int = pydantic.Field(
        -1,
        ge=-1,
        description="processes that decode and preprocess images ahead of CLIP (0: threads of the scoring process); "
        f"-1: one per CPU the process may use, at most 8, on a CUDA device for partitions of at least "
        f"{CLIP_PROCESSES_FROM_IMAGES:,} figures, threads otherwise",
    )
    perplexity_window: int = pydantic.Field(
        0, ge=0, description="tokens of context per masked copy (0: the model's maximum); smaller is faster on CPU"
    )
    perplexity_sample: int = pydantic.Field(
        0,
        ge=0,
        description="figures per partition whose captions get a pseudo-perplexity, chosen by a hash of the figure id "
        "(0: all); the partition's metrics give the sample size and standard error, and no per-figure decision uses it",
    )
    perplexity_token_budget: int = pydantic.Field(
        0,
        ge=0,
        description="padded tokens per masked-LM forward pass (0: "
        + ", ".join(f"{tokens:,} on {device.upper()}" for device, tokens in PERPLEXITY_TOKEN_BUDGETS.items())
        + ")",
    )

    @pydantic.field_validator("scoring_precision")
    @classmethod
    def _known_precision(cls, value: str) -> str:
        if value not in SCORING_PRECISIONS:
            raise ValueError(f"scoring_precision must be one of {', '.join(SCORING_PRECISIONS)}; got {value!r}")
        return value

    def decode_workers(self) -> int | None:
        """`ClipModel`'s decoding processes: a number, or None for its automatic choice."""
        return None if self.clip_decode_workers < 0 else self.clip_decode_workers

    def token_budget(self) -> int:
        """Padded tokens per masked-LM forward pass on the scoring device."""
        return self.perplexity_token_budget or default_token_budget(self.scoring_device)


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


class ExtractionSettings(SettingsModel):
    """What one paper may cost. Every bundle is a stranger's file: each paper is extracted in a worker process that
    the operating system holds to these limits, and a paper that reaches one is quarantined with its reason
    (`timeout`, `memory_limit`, `output_limit`, ...) while the next proceeds. The defaults lie far above the tail of
    real papers (RELIABILITY.md, "Per-paper limits", has the distribution they were set from)."""

    section: ClassVar[str] = "extraction"
    title: ClassVar[str] = "Limits on each paper's extraction (untrusted input)"

    paper_timeout_s: float = pydantic.Field(
        30.0, gt=0, description="wall-clock seconds one paper may take; its worker is killed after that (`timeout`)"
    )
    paper_memory_mib: int = pydantic.Field(
        768,
        ge=64,
        description="address space a worker may add to what it holds idle, for one paper (`memory_limit`)",
    )
    paper_output_mib: int = pydantic.Field(
        128, ge=1, description="bytes of images and files one paper may produce (`output_limit`)"
    )
    bundle_max_unpacked_mib: int = pydantic.Field(
        256, ge=1, description="bytes a bundle may unpack to, counted as they are read (`unreadable_bundle`)"
    )
    image_max_pixels: int = pydantic.Field(
        40_000_000,
        ge=1_000_000,
        description="pixels an image may have, checked before it is decoded; PDF figures and composed panels "
        "larger than this are rendered smaller, with a warning",
    )


CONCERNS: tuple[type[SettingsModel], ...] = (
    StorageSettings,
    SourceSettings,
    HttpSettings,
    S3Settings,
    ArxivSettings,
    BiorxivSettings,
    ChemrxivSettings,
    NatureCommunicationsSettings,
    ExtractionSettings,
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
    http: HttpSettings = HttpSettings()
    s3: S3Settings = S3Settings()
    arxiv: ArxivSettings = ArxivSettings()
    biorxiv: BiorxivSettings = BiorxivSettings()
    chemrxiv: ChemrxivSettings = ChemrxivSettings()
    nature_communications: NatureCommunicationsSettings = NatureCommunicationsSettings()
    captioner: CaptionerSettings = CaptionerSettings()
    scoring: ScoringSettings = ScoringSettings()
    release_gate: GateSettings = GateSettings()
    cluster: ClusterSettings = ClusterSettings()
    extraction: ExtractionSettings = ExtractionSettings()
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
