"""The DuckDB database file: a view of every lake table that plain `duckdb` (an older release than the library's)
opens, current as partitions are written, rewritten only when a view changes, never in place under a reader, and the
same over a lake on another filesystem."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from s1mm_assets.lib.analytics import query
from s1mm_assets.lib.database import NAMED_VIEWS, connect, refresh_database
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.schemas import REPORT_TABLES, TABLES

DUCKDB_SHELL = Path(sys.executable).with_name("duckdb")


def _quarantine_row(month: str, reason: str = "tikz") -> dict:
    return {"source": "arxiv", "month": month, "stage": "figures", "item_id": "i", "paper_id": "p", "reason": reason}


def _shell(database: Path, sql: str) -> list[dict]:
    """What the plain DuckDB shell answers, as JSON rows."""
    completed = subprocess.run(
        [str(DUCKDB_SHELL), "-readonly", "-json", str(database), "-c", sql],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout or "[]")


def test_every_table_and_named_view_is_in_the_file_before_anything_ran(lake: Lake, tmp_path: Path):
    database = tmp_path / "s1mm.duckdb"
    assert refresh_database(lake, database)
    names = {row["name"] for row in _shell(database, "select view_name as name from duckdb_views() where not internal")}
    assert names == set(TABLES) | set(REPORT_TABLES) | set(NAMED_VIEWS)
    # an empty table still has its declared columns
    columns = [row["column_name"] for row in _shell(database, "describe quality")]
    assert columns == TABLES["quality"].names
    assert _shell(database, "select count(*) as n from partition_summary") == [{"n": 0}]


def test_new_partitions_show_at_once_and_the_file_changes_only_when_a_view_does(lake: Lake, tmp_path: Path):
    database = tmp_path / "s1mm.duckdb"
    refresh_database(lake, database)
    lake.write_table("quarantine", "arxiv", "2024-01", [_quarantine_row("2024-01")], stage="figures")
    assert refresh_database(lake, database)  # the table's first partition: its view now reads files
    assert not refresh_database(lake, database)
    lake.write_table("quarantine", "arxiv", "2024-02", [_quarantine_row("2024-02", "missing_file")], stage="figures")
    assert not refresh_database(lake, database)  # a further partition needs no new view
    rows = _shell(database, "select month, reason from quarantine order by month")
    assert rows == [{"month": "2024-01", "reason": "tikz"}, {"month": "2024-02", "reason": "missing_file"}]
    assert _shell(database, "select reason, items from quarantine_reasons order by reason") == [
        {"reason": "missing_file", "items": 1},
        {"reason": "tikz", "items": 1},
    ]
    # `s1mm sql`'s path agrees with the shell
    assert query(lake, "select month, reason from quarantine order by month", database)[1] == [
        ("2024-01", "tikz"),
        ("2024-02", "missing_file"),
    ]


def test_a_reader_holding_the_file_does_not_stop_a_refresh(lake: Lake, tmp_path: Path):
    database = tmp_path / "s1mm.duckdb"
    refresh_database(lake, database)
    reader = duckdb.connect(str(database), read_only=True)  # an IDE left open
    try:
        lake.write_table("quarantine", "arxiv", "2024-01", [_quarantine_row("2024-01")], stage="figures")
        assert refresh_database(lake, database, lock_timeout_s=10)
        assert reader.execute("select count(*) from quarantine").fetchone() == (0,)  # its old views, still whole
    finally:
        reader.close()
    assert _shell(database, "select count(*) as n from quarantine") == [{"n": 1}]
    assert not list(tmp_path.glob(".*partial*"))


def test_concurrent_refreshes_leave_one_whole_file(lake: Lake, tmp_path: Path):
    database = tmp_path / "s1mm.duckdb"
    lake.write_table("quarantine", "arxiv", "2024-01", [_quarantine_row("2024-01")], stage="figures")
    errors = []

    def refresh():
        try:
            refresh_database(lake, database)
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _shell(database, "select count(*) as n from quarantine") == [{"n": 1}]


def test_a_lake_on_another_filesystem_is_read_through_it(tmp_path: Path):
    lake = Lake("memory://s1mm-database-test")
    lake.write_table("quarantine", "arxiv", "2024-01", [_quarantine_row("2024-01")], stage="figures")
    database = tmp_path / "s1mm.duckdb"
    connection = connect(lake, database)
    try:
        assert connection.execute("select reason from quarantine").fetchall() == [("tikz",)]
        [(definition,)] = connection.execute("select sql from duckdb_views() where view_name = 'quarantine'").fetchall()
    finally:
        connection.close()
    assert "read_parquet('memory:///s1mm-database-test/tables/quarantine/**/*.parquet'" in definition


def test_the_file_refuses_writes_through_s1mm_sql(lake: Lake, tmp_path: Path):
    database = tmp_path / "s1mm.duckdb"
    with pytest.raises(duckdb.Error):
        query(lake, "create table mine as select 1", database)
