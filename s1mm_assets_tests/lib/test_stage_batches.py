"""The stages read and write a partition a batch at a time (Lake.iter_rows, Lake.table_writer): a partition many
batches and row groups long must give the same tables and the same release as one that fits in a single batch."""

import json
from pathlib import Path

import pyarrow.parquet as pq

from s1mm_assets.lib import lake as lake_module
from s1mm_assets.lib.caption import ContextFusionBackend
from s1mm_assets.lib.lake import Lake, TableWriter
from s1mm_assets.lib.sources.sample import SampleSource
from s1mm_assets.lib.stages.captions import enhance_captions
from s1mm_assets.lib.stages.contexts import build_contexts
from s1mm_assets.lib.stages.figures import extract_figures
from s1mm_assets.lib.stages.ownership import decide_ownership
from s1mm_assets.lib.stages.quality import score_quality
from s1mm_assets.lib.stages.raw_papers import collect_papers
from s1mm_assets.lib.stages.release import publish_release

SOURCE, MONTH = "arxiv", "2024-01"
TABLES = ("figures", "documents", "contexts", "captions", "quality", "checks", "ownership")


def _materialize(lake: Lake) -> None:
    collect_papers(lake, SampleSource(papers_per_partition=4), SOURCE, MONTH)
    extract_figures(lake, SOURCE, MONTH)
    build_contexts(lake, SOURCE, MONTH)
    enhance_captions(lake, SOURCE, MONTH, ContextFusionBackend())
    score_quality(lake, SOURCE, MONTH)
    decide_ownership(lake, SOURCE, MONTH)
    publish_release(lake, SOURCE, MONTH)


def _release_files(lake: Lake) -> dict[str, bytes]:
    folder = lake.local_path(f"releases/{SOURCE}/{MONTH}")
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_a_partition_many_batches_long_gives_the_same_tables_and_release(tmp_path: Path, monkeypatch):
    whole = Lake(str(tmp_path / "whole"))
    _materialize(whole)

    reading = Lake.iter_rows
    monkeypatch.setattr(
        Lake, "iter_rows", lambda self, *args, **kwargs: reading(self, *args, **kwargs | {"batch_rows": 3})
    )
    monkeypatch.setattr(lake_module, "ROW_GROUP_ROWS", 5)
    monkeypatch.setattr(TableWriter, "_VALIDATE_ROWS", 2)
    batched = Lake(str(tmp_path / "batched"))
    _materialize(batched)

    figures = batched.local_path(f"{batched.partition_folder('figures', SOURCE, MONTH)}/data.parquet")
    assert pq.ParquetFile(figures).metadata.num_row_groups > 2  # the partition did span several row groups
    for table in TABLES:
        assert batched.read_table(table, SOURCE, MONTH) == whole.read_table(table, SOURCE, MONTH), table
    released, expected = _release_files(batched), _release_files(whole)
    manifest, expected_manifest = json.loads(released.pop("manifest.json")), json.loads(expected.pop("manifest.json"))
    assert released == expected
    # the manifest names the lake files ownership was decided against by their sha256, and those files now hold
    # their rows in several row groups: the same rows, other bytes
    for recorded in (manifest, expected_manifest):
        recorded["ownership"].pop("consulted")
        recorded["ownership"].pop("version")
    assert manifest == expected_manifest
