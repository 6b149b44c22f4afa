"""Settings: declared once, read from the environment over a config file over the defaults, with each value's
origin; the README's table is the models' own; the test suite is immune to the caller's environment."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from s1mm_assets.defs import resources
from s1mm_assets.lib.settings import CONCERNS, Settings, SettingsError, load_settings, setting_variables
from s1mm_assets.lib.settings_report import README_BEGIN, README_END, describe, markdown_table

ROOT = Path(__file__).resolve().parents[2]


def test_the_environment_wins_over_the_config_file_which_wins_over_the_defaults(tmp_path: Path):
    config = tmp_path / "s1mm.toml"
    config.write_text('[captioner]\ncaption_backend = "vllm"\nvllm_concurrency = 8\n[sources]\nsample_papers = 3\n')
    settings = load_settings({"S1MM_CONFIG": str(config), "S1MM_VLLM_CONCURRENCY": "16"})
    assert (settings.captioner.caption_backend, settings.captioner.vllm_concurrency) == ("vllm", 16)
    assert settings.sources.sample_papers == 3 and settings.release_gate.min_enhanced_chars == 20
    assert settings.origin("captioner", "vllm_concurrency") == "environment"
    assert settings.origin("captioner", "caption_backend") == f"file {config}"
    assert settings.origin("release_gate", "min_enhanced_chars") == "default"


def test_the_config_file_is_found_in_s1mm_home(tmp_path: Path):
    (tmp_path / "config.toml").write_text("[release_gate]\nrequire_clip = true\n")
    assert load_settings({"S1MM_HOME": str(tmp_path)}).release_gate.require_clip is True


def test_a_bad_value_names_the_variable_and_where_it_came_from(tmp_path: Path):
    with pytest.raises(SettingsError, match=r"S1MM_SAMPLE_PAPERS \(from environment\)"):
        load_settings({"S1MM_SAMPLE_PAPERS": "many"})
    with pytest.raises(SettingsError, match=r"S1MM_LICENSE_POLICY \(from environment\): .*unknown licence policy"):
        load_settings({"S1MM_LICENSE_POLICY": "cc-by-maybe"})
    with pytest.raises(SettingsError, match=r"S1MM_SCORING_PRECISION \(from environment\): .*one of auto, float32"):
        load_settings({"S1MM_SCORING_PRECISION": "half"})
    config = tmp_path / "s1mm.toml"
    config.write_text("[captioner]\nvllm_concurency = 8\n")  # misspelt
    with pytest.raises(SettingsError, match="has no setting.*vllm_concurency"):
        load_settings({"S1MM_CONFIG": str(config)})


def test_flags_read_as_people_write_them():
    for written, meant in (("1", True), ("yes", True), ("true", True), ("0", False), ("off", False)):
        assert load_settings({"S1MM_REQUIRE_CLIP": written}).release_gate.require_clip is meant


def test_dagster_home_keeps_dagsters_own_variable_name():
    settings = load_settings({"DAGSTER_HOME": "/srv/dagster"})
    assert settings.storage.dagster_home_path() == Path("/srv/dagster") and "DAGSTER_HOME" in setting_variables()


def test_each_resource_takes_its_fields_from_its_settings_model():
    pairs = {
        resources.LakeResource,
        resources.PaperSourceResource,
        resources.CaptionerResource,
        resources.QualityGateResource,
        resources.ScoringModelsResource,
    }
    for resource in pairs:
        models = resource.settings_models
        assert set(resource.model_fields) == {name for model in models for name in model.model_fields}, resource
        assert all(resource().settings_of(model) == model() for model in models), resource.__name__
    changed = resources.CaptionerResource(caption_backend="vllm", vllm_model="m").settings()
    assert (changed.caption_backend, changed.vllm_model) == ("vllm", "m")
    live = resources.PaperSourceResource(source_backend="sample,arxiv=live", http_contact_email="ops@example.org")
    assert (live.backend_for("arxiv"), live.backend_for("medrxiv")) == ("live", "sample")
    assert live.source_settings().http.user_agent().endswith("mailto:ops@example.org")


def test_a_source_backend_per_source_and_clear_errors():
    sources = load_settings({"S1MM_SOURCE_BACKEND": "local, chemrxiv=live ,arxiv=sample"}).sources
    assert [sources.backend_for(s) for s in ("arxiv", "biorxiv", "chemrxiv")] == ["sample", "local", "live"]
    assert load_settings({"S1MM_SOURCE_BACKEND": "live"}).sources.backend_for("nature_communications") == "live"
    for wrong, message in (
        ("online", "unknown source backend 'online'"),
        ("sample,pubmed=live", "unknown source 'pubmed'"),
        ("sample,local", "two default backends"),
    ):
        with pytest.raises(SettingsError, match=rf"S1MM_SOURCE_BACKEND \(from environment\): .*{message}"):
            load_settings({"S1MM_SOURCE_BACKEND": wrong})
    with pytest.raises(SettingsError, match=r"S1MM_HTTP_RATE_LIMITS .*'api.crossref.org=fast' is not `host=seconds`"):
        load_settings({"S1MM_HTTP_RATE_LIMITS": "oaipmh.arxiv.org=3,api.crossref.org=fast"})


def test_the_s3_secret_reaches_a_run_from_its_environment_never_as_configuration(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("S1MM_S3_SECRET_ACCESS_KEY", "s3cr3t")
    built = resources.resources_from_settings(load_settings())["paper_source"]
    assert isinstance(built.s3_secret_access_key, dg.EnvVar) and "s3cr3t" not in repr(built)
    assert built.process_config_and_initialize().source_settings().s3.s3_secret_access_key == "s3cr3t"


def test_s1mm_config_says_where_every_value_came_from(tmp_path: Path):
    settings = load_settings({"S1MM_HOME": str(tmp_path), "S1MM_SCORING_DEVICE": "cuda", "S1MM_VLLM_API_KEY": "k"})
    shown = describe(settings)
    lines = {line.split()[0]: line for line in shown.splitlines() if line.startswith("  ")}
    assert lines["S1MM_SCORING_DEVICE"].split()[1:] == ["cuda", "environment"]
    assert lines["S1MM_LAKE"].split()[1:] == [str(tmp_path / "lake"), "default", "(derived)"]
    assert "k " not in lines["S1MM_VLLM_API_KEY"] and "********" in lines["S1MM_VLLM_API_KEY"]
    assert len(lines) == len(setting_variables()) - 1  # every setting but S1MM_CONFIG, which names the file


def test_a_config_file_written_by_s1mm_config_reads_back_to_the_same_settings(tmp_path: Path):
    settings = load_settings({"S1MM_HOME": str(tmp_path), "S1MM_MIN_CLIP_DELTA": "0.5", "S1MM_EXECUTOR": "k8s"})
    saved = tmp_path / "saved.toml"
    saved.write_text(describe(settings, "toml"))
    again = load_settings({"S1MM_CONFIG": str(saved)})
    assert [concern.model_dump() for concern in again.concerns()][1:] == [
        concern.model_dump() for concern in settings.concerns()
    ][1:]


def test_the_readme_configuration_table_is_the_one_the_models_declare():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert README_BEGIN in readme and README_END in readme, "the README lost its generated settings table"
    table = readme.split(README_BEGIN, 1)[1].split(README_END, 1)[0].strip()
    assert table == markdown_table(), "README table out of date: paste `s1mm config --format markdown` into it"
    for model in CONCERNS:
        for name in model.model_fields:
            assert f"`{model.variable(name)}`" in table


PROBE = """
from s1mm_assets.definitions import defs
from s1mm_assets.defs.loaded_settings import LOADED_SETTINGS
from s1mm_assets.lib.settings import Settings, load_settings


def test_probe_sees_only_defaults():
    for loaded in (load_settings(), LOADED_SETTINGS):
        assert [c.model_dump() for c in loaded.concerns()][1:] == [c.model_dump() for c in Settings().concerns()][1:]
        assert not loaded.origins or set(loaded.origins) == {("storage", "home")}
    assert defs.resolve_job_def("s1mm_pipeline").executor_def.name == "local_executor"
"""


def test_exported_settings_do_not_reach_the_test_suite(tmp_path: Path):
    """Run a test of the suite in a shell that exports a hostile value for every setting (and a config file):
    it still sees the declared defaults."""
    config = tmp_path / "hostile.toml"
    config.write_text('[captioner]\ncaption_backend = "vllm"\n')
    hostile = {variable: "hostile" for variable in setting_variables()} | {
        "S1MM_CONFIG": str(config),
        "S1MM_EXECUTOR": "k8s",
        "S1MM_SAMPLE_PAPERS": "99",
        "S1MM_HOME": str(tmp_path / "elsewhere"),
    }
    probe = ROOT / "s1mm_assets_tests" / "lib" / f"test_probe_{os.getpid()}.py"
    probe.write_text(PROBE)
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(probe)],
            cwd=ROOT,
            env=os.environ | hostile,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        probe.unlink()
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-2000:]
    assert "1 passed" in completed.stdout


def test_the_default_settings_need_no_environment():
    assert Settings().captioner.caption_backend == "context" and Settings().sources.source_backend == "sample"


def test_the_lake_endpoint_reaches_an_s3_lake_and_is_refused_for_a_lake_elsewhere():
    settings = load_settings({"S1MM_LAKE": "s3://bucket/s1mm", "S1MM_LAKE_ENDPOINT_URL": "http://127.0.0.1:9000"})
    options = settings.storage.storage_options()
    assert options["endpoint_url"] == "http://127.0.0.1:9000" and options["use_listings_cache"] is False
    local = load_settings({"S1MM_LAKE": "/data/lake", "S1MM_LAKE_ENDPOINT_URL": "http://127.0.0.1:9000"})
    with pytest.raises(SettingsError, match="S1MM_LAKE_ENDPOINT_URL: for an s3:// lake only"):
        local.storage.storage_options()
