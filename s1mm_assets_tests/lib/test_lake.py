import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from s1mm_assets.lib import lake as lake_module
from s1mm_assets.lib.lake import Lake, PartitionMissing, SchemaMismatch


def _quarantine_row(**overrides):
    row = {
        "source": "arxiv",
        "month": "2024-01",
        "stage": "figures",
        "item_id": "p1#f1",
        "paper_id": "p1",
        "reason": "missing_file",
        "detail": "figs/a.png",
    }
    return {**row, **overrides}


def test_tables_round_trip_in_hive_folders(lake: Lake):
    relative = lake.write_table("quarantine", "arxiv", "2024-01", [_quarantine_row()], stage="figures")
    assert relative == "tables/quarantine/source=arxiv/month=2024-01/stage=figures/data.parquet"
    table = lake.read_table("quarantine", "arxiv", "2024-01", stage="figures")
    assert table.to_pylist() == [_quarantine_row()]


def test_rows_are_validated_against_the_declared_schema(lake: Lake):
    with pytest.raises(SchemaMismatch, match="releases: a value does not fit its column's declared type"):
        lake.write_table(
            "releases", "arxiv", "2024-01", [{"source": "arxiv", "month": "2024-01", "shard": "s", "n_samples": "many"}]
        )
    with pytest.raises(ValueError, match="written into month=2024-01"):
        lake.write_table("quarantine", "arxiv", "2024-01", [_quarantine_row(month="2024-02")], stage="x")


def test_missing_partition_says_which(lake: Lake):
    with pytest.raises(PartitionMissing, match="figures has no partition source=arxiv month=2031-01"):
        lake.read_table("figures", "arxiv", "2031-01")


def test_old_files_read_new_columns_as_null(lake: Lake):
    folder = lake.local_path(lake.partition_folder("releases", "arxiv", "2024-01"))
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"source": ["arxiv"], "month": ["2024-01"], "shard": ["a.tar"]}), folder / "data.parquet")
    [row] = lake.read_table("releases", "arxiv", "2024-01").to_pylist()
    assert row["shard"] == "a.tar" and row["manifest_sha256"] is None


def test_blobs_are_content_addressed_and_stored_once(lake: Lake):
    first = lake.put_blob(b"figure bytes", "png")
    second = lake.put_blob(b"figure bytes", "png")
    assert first == second
    assert first.path == f"blobs/{first.sha256[:2]}/{first.sha256}.png"
    assert lake.read_bytes(first.path) == b"figure bytes"


def test_a_write_that_dies_midway_leaves_the_old_file_and_no_partial_one(lake: Lake, monkeypatch):
    lake.write_table("quarantine", "arxiv", "2024-01", [_quarantine_row()], stage="figures")

    def crash(*_arguments):
        raise KeyboardInterrupt("killed while writing")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        lake.write_table("quarantine", "arxiv", "2024-01", [_quarantine_row(reason="other")], stage="figures")
    monkeypatch.undo()
    folder = lake.local_path(lake.partition_folder("quarantine", "arxiv", "2024-01", stage="figures"))
    assert [path.name for path in folder.iterdir()] == ["data.parquet"]
    assert lake.read_table("quarantine", "arxiv", "2024-01", stage="figures").to_pylist() == [_quarantine_row()]


def test_temporaries_of_a_killed_process_are_cleaned_by_the_next_write(lake: Lake):
    folder = lake.local_path(lake.partition_folder("quarantine", "arxiv", "2024-01", stage="figures"))
    folder.mkdir(parents=True)
    (folder / ".tmp-deadbeef-data.parquet.partial").write_bytes(b"PAR1 half written")
    lake.write_table("quarantine", "arxiv", "2024-01", [_quarantine_row()], stage="figures")
    assert [path.name for path in folder.iterdir()] == ["data.parquet"]


def test_staged_folder_publishes_all_or_nothing(lake: Lake):
    with lake.staged_folder("releases/arxiv/2024-01") as staging:
        (staging / "a.txt").write_text("one")
    with pytest.raises(RuntimeError), lake.staged_folder("releases/arxiv/2024-01") as staging:
        (staging / "a.txt").write_text("two")
        (staging / "b.txt").write_text("half")
        raise RuntimeError("killed")
    final = lake.local_path("releases/arxiv/2024-01")
    assert sorted(path.name for path in final.iterdir()) == ["a.txt"]
    assert (final / "a.txt").read_text() == "one"
    assert sorted(path.name for path in final.parent.iterdir()) == ["2024-01"]


def test_object_storage_through_fsspec():
    lake = Lake("memory://s1mm-test-lake")
    lake.write_table("quarantine", "arxiv", "2024-01", [_quarantine_row()], stage="figures")
    assert lake.read_table("quarantine", "arxiv", "2024-01", stage="figures").num_rows == 1
    with lake.staged_folder("releases/arxiv/2024-01") as staging:
        (staging / "m.json").write_text("{}")
    assert lake.published_folder("releases/arxiv/2024-01").cat_file("m.json") == b"{}"


def test_a_misspelt_key_fails_the_write_with_the_table_and_the_key(lake: Lake):
    row = {"source": "arxiv", "month": "2024-01", "stage": "figures", "item_id": "p#1", "reason": "tikz"}
    with pytest.raises(SchemaMismatch, match=r"quarantine: row 0 has key\(s\) 'reasn'"):
        lake.write_table("quarantine", "arxiv", "2024-01", [row | {"reasn": "tikz"}])
    with pytest.raises(SchemaMismatch, match=r"quarantine: row 1 lacks the non-nullable key\(s\) 'stage'"):
        lake.write_table("quarantine", "arxiv", "2024-01", [row, {k: v for k, v in row.items() if k != "stage"}])
    with pytest.raises(SchemaMismatch, match=r"quarantine: column 'stage' is declared non-nullable but holds NULL"):
        lake.write_table("quarantine", "arxiv", "2024-01", [row | {"stage": None}])
    with pytest.raises(SchemaMismatch, match=r"the Arrow table has key\(s\) 'extra'"):
        lake.write_table("quarantine", "arxiv", "2024-01", pa.Table.from_pylist([row | {"extra": 1}]))
    assert not lake.has_partition("quarantine", "arxiv", "2024-01", stage="figures")


def test_a_nullable_column_a_row_leaves_out_is_null(lake: Lake):
    row = {"source": "arxiv", "month": "2024-01", "stage": "figures", "item_id": "p#1"}
    lake.write_table("quarantine", "arxiv", "2024-01", [row])
    [stored] = lake.read_table("quarantine", "arxiv", "2024-01").to_pylist()
    assert stored["reason"] is None and stored["item_id"] == "p#1"


def test_a_partition_written_batch_by_batch_is_stored_in_row_groups_and_read_back_in_order(lake: Lake, monkeypatch):
    monkeypatch.setattr(lake_module, "ROW_GROUP_ROWS", 4)
    rows = [_quarantine_row(item_id=f"p{index}#f1", paper_id=f"p{index}") for index in range(10)]
    with lake.table_writer("quarantine", "arxiv", "2024-01", stage="figures") as writer:
        for start in range(0, len(rows), 3):
            writer.write(rows[start : start + 3])
    path = lake.local_path(f"{lake.partition_folder('quarantine', 'arxiv', '2024-01', stage='figures')}/data.parquet")
    assert [pq.ParquetFile(path).metadata.row_group(index).num_rows for index in range(3)] == [4, 4, 2]
    assert lake.read_table("quarantine", "arxiv", "2024-01", stage="figures").to_pylist() == rows


def test_rows_are_read_a_batch_at_a_time_with_only_the_columns_asked_for(lake: Lake):
    rows = [_quarantine_row(item_id=f"p{index}#f1", paper_id=f"p{index}") for index in range(5)]
    lake.write_table("quarantine", "arxiv", "2024-01", rows)
    batches = list(lake.iter_rows("quarantine", "arxiv", "2024-01", columns=["paper_id", "reason"], batch_rows=2))
    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert [row for batch in batches for row in batch] == [
        {"paper_id": row["paper_id"], "reason": row["reason"]} for row in rows
    ]


def test_a_batched_write_that_fails_midway_publishes_nothing(lake: Lake):
    lake.write_table("quarantine", "arxiv", "2024-01", [_quarantine_row()], stage="figures")
    with pytest.raises(SchemaMismatch), lake.table_writer("quarantine", "arxiv", "2024-01", stage="figures") as writer:
        writer.write([_quarantine_row(reason="first batch")])
        writer.write([{**_quarantine_row(), "reasn": "misspelt"}])
    folder = lake.local_path(lake.partition_folder("quarantine", "arxiv", "2024-01", stage="figures"))
    assert [path.name for path in folder.iterdir()] == ["data.parquet"]
    assert lake.read_table("quarantine", "arxiv", "2024-01", stage="figures").to_pylist() == [_quarantine_row()]
