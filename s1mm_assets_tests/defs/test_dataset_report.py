"""The dataset report over released partitions: its tables agree with the lake, its charts are pictures of the data,
the top-level card indexes every release, the manifest of manifests verifies (and catches what changed), CLIP shows as
not measured without a model and as a distribution with one, and automation refreshes it after a release."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import pytest
from PIL import Image

from s1mm_assets.cli import main
from s1mm_assets.definitions import defs
from s1mm_assets.defs.dataset_report.assets import dataset_report
from s1mm_assets.defs.resources import PaperSourceResource, ScoringModelsResource, resources_from_settings
from s1mm_assets.lib.analytics import query
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.release.dataset import verify_dataset
from s1mm_assets.lib.score.models import NO_CLIP
from s1mm_assets.lib.settings import load_settings
from s1mm_assets_tests.pipeline import materialize_partition

SMALL = PaperSourceResource(sample_papers=3)
MONTH = "2024-01"
# arxiv first: the sample corpus plants the first arXiv figure of a month in the first bioRxiv paper (a duplicate)
SOURCES = ("arxiv", "biorxiv")


def _report(instance: dg.DagsterInstance, **resources) -> dg.MaterializeResult:
    result = dg.materialize(
        [dataset_report], resources={**resources_from_settings(load_settings()), **resources}, instance=instance
    )
    assert result.success
    [event] = result.asset_materializations_for_node("dataset_report")
    return event.metadata


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Lake, dict]:
    """Two released partitions and the report over them, in a lake of the module's own."""
    home = tmp_path_factory.mktemp("report-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("S1MM_HOME", str(home))
        instance = dg.DagsterInstance.ephemeral()
        for source in SOURCES:
            assert materialize_partition(source, MONTH, instance=instance, paper_source=SMALL).success
        metadata = _report(instance)
    return Lake(str(home / "lake")), metadata


def test_the_report_tables_agree_with_the_lake(reported):
    lake, metadata = reported
    coverage = {row["source"]: row for row in lake.read_report_table("report_coverage").to_pylist()}
    assert set(coverage) == set(SOURCES)
    for source in SOURCES:
        _, [(released, papers, quarantined)] = query(
            lake,
            f"select (select coalesce(sum(n_samples), 0) from releases where source = '{source}'), "
            f"(select count(*) from papers where source = '{source}'), "
            f"(select count(*) from quarantine where source = '{source}')",
        )
        row = coverage[source]
        assert (row["released"], row["papers"], row["quarantined"]) == (released, papers, quarantined)
        assert row["released"] + row["held_back"] == row["scored"] and row["gate"] == "passed, some not measured"
    assert coverage["biorxiv"]["duplicates"] >= 1  # the planted copy of arXiv's figure

    lengths = {
        (row["scope"], row["caption"]): row for row in lake.read_report_table("report_caption_lengths").to_pylist()
    }
    _, [(raw_mean, enhanced_mean, released)] = query(
        lake, "select avg(raw_chars), avg(enhanced_chars), count(*) from released_figures"
    )
    assert lengths[("released", "raw")]["mean"] == pytest.approx(raw_mean)
    assert lengths[("released", "enhanced")]["mean"] == pytest.approx(enhanced_mean)
    assert lengths[("released", "enhanced")]["captions"] == released == metadata["dagster/row_count"].value
    assert (lengths[("S1-MMAlign (reference)", "raw")]["mean"], lengths[("S1-MMAlign (reference)", "raw")]["std"]) == (
        267.0,
        261.0,
    )
    assert lengths[("S1-MMAlign (reference)", "enhanced")]["mean"] == 759.0

    for row in lake.read_report_table("report_clip_by_discipline").to_pylist():
        assert row["clip_measured"] == 0 and row["clip_delta_mean"] is None and row["not_measured"] == NO_CLIP
    reasons = {row["reason"]: row["figures"] for row in lake.read_report_table("report_held_back").to_pylist()}
    assert reasons["duplicate"] >= 1 and reasons["license_not_allowed"] >= 1

    # the same tables are views in SQL
    _, [(rows,)] = query(lake, "select count(*) from report_coverage")
    assert rows == len(SOURCES)


def test_the_metadata_shows_the_key_tables_and_where_the_charts_are(reported):
    lake, metadata = reported
    assert "| arxiv | 2024-01 |" in metadata["coverage"].value
    assert "S1-MMAlign (reference)" in metadata["caption lengths"].value
    assert metadata["CLIP by discipline"].value.startswith(f"{NO_CLIP} (")
    assert metadata["clip_measured"].value == NO_CLIP
    assert metadata["chart: CLIP delta distribution"].value == f"not drawn: {NO_CLIP}"
    assert Path(metadata["chart: caption lengths"].value) == lake.local_path("releases/charts/caption_lengths.png")
    assert Path(metadata["chart: coverage"].value).is_file()
    assert Path(metadata["dataset card"].value) == lake.local_path("releases/README.md")
    assert not lake.local_path("releases/charts/clip_delta.png").exists()


def test_the_charts_are_pictures_of_the_data(reported):
    lake, _ = reported
    for name in ("caption_lengths", "coverage"):
        with Image.open(lake.local_path(f"releases/charts/{name}.png")) as image:
            assert image.format == "PNG" and image.width >= 600
            colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        # not a blank canvas with a title: the bars or cells cover a good part of it in several colours
        background = max(colours)[0]
        assert sum(count for count, _ in colours) - background > 0.1 * image.width * image.height
        assert len(colours) > 50


def test_the_card_indexes_every_release_and_the_manifest_of_manifests_verifies(reported, s1mm_home, capsys):
    lake, _ = reported
    card = lake.local_path("releases/README.md").read_text()
    for source in SOURCES:
        assert f"[{source}/{MONTH}]({source}/{MONTH}/README.md)" in card
    assert "![Caption lengths, raw vs enhanced](charts/caption_lengths.png)" in card
    assert "_CLIP delta distribution: not drawn, not measured: no CLIP model configured._" in card

    folder = lake.local_path("releases")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["releases"]) == {f"{source}/{MONTH}" for source in SOURCES}
    _, recorded = query(lake, "select distinct source || '/' || month, manifest_sha256 from releases")
    assert {key: entry["manifest_sha256"] for key, entry in manifest["releases"].items()} == dict(recorded)
    assert verify_dataset(folder) == []
    assert main(["verify", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"OK {folder}: dataset of 2 releases") and out.count("\nOK ") == 2


def test_verify_names_what_changed_at_the_top_of_the_dataset(reported, tmp_path: Path, s1mm_home, capsys):
    lake, _ = reported
    folder = tmp_path / "releases"
    shutil.copytree(lake.local_path("releases"), folder)
    (folder / "charts" / "coverage.png").write_bytes(b"not the chart")
    (folder / "charts" / "extra.png").write_bytes(b"?")
    release_manifest = folder / "arxiv" / MONTH / "manifest.json"
    release_manifest.write_text(release_manifest.read_text().replace('"n_samples"', '"n_samples" ', 1))
    shutil.copytree(folder / "biorxiv" / MONTH, folder / "biorxiv" / "2024-02")
    problems = {str(problem) for problem in verify_dataset(folder)}
    assert problems == {
        "charts/coverage.png: sha256 differs",
        "charts/extra.png: not in manifest",
        f"arxiv/{MONTH}/manifest.json: not the manifest the dataset indexes (released again since the dataset "
        "report? materialize dataset_report)",
        "biorxiv/2024-02: release not in the dataset manifest (materialize dataset_report)",
    }
    assert main(["verify", str(folder)]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_the_report_is_refreshed_by_automation_once_a_partition_is_released(lake: Lake):
    instance = dg.DagsterInstance.ephemeral()
    cursor = None

    def report_requested() -> bool:
        nonlocal cursor
        result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
        cursor = result.cursor
        return result.get_num_requested(dataset_report.key) > 0

    assert not report_requested()
    assert materialize_partition("chemrxiv", MONTH, instance=instance, paper_source=SMALL).success
    assert report_requested()
    _report(instance)
    assert not report_requested()


def test_with_a_clip_model_the_report_draws_the_clip_delta_by_discipline(lake: Lake, tiny_clip: Path):
    instance = dg.DagsterInstance.ephemeral()
    models = ScoringModelsResource(clip_model=str(tiny_clip))
    assert materialize_partition("medrxiv", MONTH, instance=instance, paper_source=SMALL, scoring_models=models).success
    metadata = _report(instance)
    rows = lake.read_report_table("report_clip_by_discipline").to_pylist()
    assert rows and all(row["clip_measured"] == row["released"] and row["not_measured"] is None for row in rows)
    _, [(delta,)] = query(lake, "select avg(clip_delta) from released_figures")
    assert metadata["clip_delta_mean"].value == pytest.approx(delta)
    assert metadata["CLIP by discipline"].value.startswith("| discipline | released | CLIP measured |")
    with Image.open(lake.local_path("releases/charts/clip_delta.png")) as image:
        assert image.format == "PNG" and len(image.convert("RGB").getcolors(maxcolors=1 << 20)) > 50
    assert "![CLIP delta distribution](charts/clip_delta.png)" in lake.local_path("releases/README.md").read_text()
