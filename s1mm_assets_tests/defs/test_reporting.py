"""What a materialization's metadata calls things: counts by the stage's own word with their reasons beside them,
files and tables by their role, and kind tags that follow the configured backends."""

from __future__ import annotations

from s1mm_assets.defs.kinds import caption_kinds, scoring_kinds
from s1mm_assets.defs.reporting import materialize_result, output_name
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.settings import CaptionerSettings, ScoringSettings
from s1mm_assets.lib.stages.report import StageReport


def test_held_back_is_named_so_with_its_reasons_right_after_it(lake: Lake):
    report = StageReport(rows=19, failed=15, failed_label="held back")
    report.metrics = {"pass_rate": 0.2, "held_back_license_not_allowed": 13, "held_back_ungrounded": 2}
    keys = list(materialize_result(report, lake).metadata)
    assert keys[:4] == ["dagster/row_count", "held back", "held back: license_not_allowed", "held back: ungrounded"]
    assert "failed" not in keys and "held_back_ungrounded" not in keys


def test_a_stage_that_holds_nothing_back_shows_no_failed_count(lake: Lake):
    assert "failed" not in materialize_result(StageReport(rows=3), lake).metadata


def test_outputs_are_named_for_what_they_are():
    assert output_name("releases/arxiv/2024-01") == "release folder"
    assert output_name("tables/releases/source=arxiv/month=2024-01/data.parquet") == "releases table"
    assert output_name("tables/quarantine/source=arxiv/month=2024-01/stage=figures/data.parquet") == "quarantine table"
    assert output_name("report/report_coverage.parquet") == "report_coverage table"
    assert output_name("releases/charts/clip_delta.png") == "chart: clip delta"
    assert output_name("releases/README.md") == "dataset card"
    assert output_name("releases/manifest.json") == "manifest of manifests"


def test_kind_tags_follow_the_configured_backends():
    assert caption_kinds(CaptionerSettings()) == {"python", "parquet"}
    assert "vllm" in caption_kinds(CaptionerSettings(caption_backend="vllm"))
    assert "vllm" in caption_kinds(CaptionerSettings(caption_backend="vllm_offline"))
    assert scoring_kinds(ScoringSettings()) == {"python", "parquet"}
    assert "pytorch" in scoring_kinds(ScoringSettings(clip_model="/models/clip"))
    assert "pytorch" in scoring_kinds(ScoringSettings(masked_lm="/models/scibert"))
