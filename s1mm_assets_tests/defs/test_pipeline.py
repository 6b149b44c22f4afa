"""The whole graph on the embedded defaults: sample corpus, context captioner, local lake."""

import hashlib
from pathlib import Path

import pytest

from s1mm_assets.lib.analytics import query
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.release import verify_release
from s1mm_assets.lib.sources import SOURCES
from s1mm_assets_tests.pipeline import failed_checks, materialize_partition, materialized_assets

STAGES = {
    "paper_listing",
    "raw_papers",
    "figures",
    "contexts",
    "enhanced_captions",
    "quality_scores",
    "figure_ownership",
    "release_shards",
}


@pytest.mark.parametrize("source", SOURCES)
def test_a_sample_partition_goes_from_papers_to_a_verified_release(source, lake: Lake):
    result = materialize_partition(source, "2024-01")
    assert result.success
    assert materialized_assets(result) == STAGES
    assert failed_checks(result) == set()

    _, [(figures, papers)] = query(lake, "select count(*), count(distinct paper_id) from figures")
    assert figures > 0 and papers > 0
    _, [(shards, samples, manifest)] = query(
        lake,
        "select count(*), sum(n_samples), any_value(manifest_sha256) from releases where source = ? ".replace(
            "?", f"'{source}'"
        ),
    )
    _, [(passed,)] = query(lake, "select count(*) from quality where passed")
    assert shards >= 1 and samples == passed > 0
    assert verify_release(lake.local_path(f"releases/{source}/2024-01"), manifest) == []

    _, captions = query(lake, "select distinct backend, model from captions")
    assert captions == [("context", None)]  # labelled as what it is, never as a model


def test_rerunning_a_partition_reproduces_every_release_byte(lake: Lake):
    def release_digests() -> dict[str, str]:
        folder = lake.local_path("releases/arxiv/2024-01")
        return {
            path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*"))
            if path.is_file()
        }

    assert materialize_partition("arxiv", "2024-01").success
    first = release_digests()
    first_tables = _table_digests(lake)
    assert materialize_partition("arxiv", "2024-01").success
    assert release_digests() == first
    assert _table_digests(lake) == first_tables
    _, [(rows,)] = query(lake, "select count(*) from quarantine")
    _, [(distinct,)] = query(lake, "select count(*) from (select distinct stage, item_id, reason from quarantine)")
    assert rows == distinct  # no record duplicated by the rerun


def _table_digests(lake: Lake) -> dict[str, str]:
    root = lake.local_path("tables")
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*.parquet"))
    }


def test_problem_figures_are_quarantined_with_reasons_not_dropped(lake: Lake):
    assert materialize_partition("arxiv", "2024-01").success
    _, reasons = query(lake, "select distinct stage, reason from quarantine order by 2")
    _, [(documents_problems,)] = query(lake, "select sum(n_problems) from documents")
    _, [(quarantined,)] = query(lake, "select count(*) from quarantine where stage = 'figures'")
    assert quarantined == documents_problems
    assert all(stage and reason for stage, reason in reasons)


def test_partitions_of_different_sources_and_months_do_not_touch_each_other(lake: Lake):
    assert materialize_partition("arxiv", "2024-01").success
    before = Path(lake.local_path("releases/arxiv/2024-01/manifest.json")).read_bytes()
    assert materialize_partition("arxiv", "2024-02").success
    assert materialize_partition("medrxiv", "2024-01").success
    assert Path(lake.local_path("releases/arxiv/2024-01/manifest.json")).read_bytes() == before
    _, rows = query(lake, "select source, month, count(*) from figures group by all order by 1, 2")
    assert [(source, month) for source, month, _ in rows] == [
        ("arxiv", "2024-01"),
        ("arxiv", "2024-02"),
        ("medrxiv", "2024-01"),
    ]
