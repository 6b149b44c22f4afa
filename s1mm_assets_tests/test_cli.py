"""The commands a user types: dagster's own CLI on our definitions, `s1mm sql`, `s1mm verify`, `s1mm materialize`."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from s1mm_assets.cli import main
from s1mm_assets.lib.release import verify_release

BIN = Path(sys.executable).parent


def _run(command: list[str], home: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    environment = {**os.environ, "S1MM_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    environment.pop("S1MM_LAKE", None)
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=timeout)


@pytest.fixture
def dagster_home(s1mm_home: Path) -> Path:
    (s1mm_home / "dagster").mkdir()
    return s1mm_home


def test_dagster_cli_materializes_a_partition_that_s1mm_then_queries_and_verifies(dagster_home: Path):
    materialized = _run(
        [
            str(BIN / "dagster"),
            "asset",
            "materialize",
            "-m",
            "s1mm_assets.definitions",
            "--select",
            "*",
            "--partition",
            "2024-01|chemrxiv",
        ],
        dagster_home,
    )
    assert materialized.returncode == 0, materialized.stderr[-3000:]

    counted = _run([str(BIN / "s1mm"), "sql", "select count(*) as n from figures", "--format", "json"], dagster_home)
    assert json.loads(counted.stdout)[0]["n"] > 0

    # the DuckDB file the run left behind: the plain `duckdb` shell on it agrees with `s1mm sql`
    database = dagster_home / "s1mm.duckdb"
    assert database.is_file()
    for sql in (
        "select source, month, papers, figures, released, held_back, quarantined, gate from partition_summary",
        "select figure_id, license_id, enhanced_chars, grounding from released_figures order by figure_id",
        "select stage, reason, items from quarantine_reasons order by stage, reason",
        "select count(*) as n from quality",
    ):
        shell = _run([str(BIN / "duckdb"), "-readonly", "-json", str(database), "-c", sql], dagster_home)
        ours = _run([str(BIN / "s1mm"), "sql", sql, "--format", "json"], dagster_home)
        assert shell.returncode == 0 and ours.returncode == 0, shell.stderr + ours.stderr
        assert json.loads(shell.stdout or "[]") == json.loads(ours.stdout), sql
    shards = json.loads(
        _run([str(BIN / "s1mm"), "sql", "select path from releases", "--format", "json"], dagster_home).stdout
    )
    assert shards

    releases = dagster_home / "lake" / "releases"
    verified = _run([str(BIN / "s1mm"), "verify", str(releases)], dagster_home)
    assert verified.returncode == 0 and verified.stdout.startswith("OK ")

    shard = dagster_home / "lake" / shards[0]["path"]
    data = bytearray(shard.read_bytes())
    data[len(data) // 3] ^= 0xFF
    shard.write_bytes(bytes(data))
    tampered = _run([str(BIN / "s1mm"), "verify", str(releases)], dagster_home)
    assert tampered.returncode == 1
    assert f"{Path(shards[0]['path']).relative_to('releases/chemrxiv/2024-01')}: sha256 differs" in tampered.stdout


def test_a_run_killed_midway_leaves_only_whole_files_and_a_rerun_completes(dagster_home: Path):
    command = [str(BIN / "s1mm"), "materialize", "--month", "2024-01", "--source", "arxiv"]
    environment = {**os.environ, "S1MM_HOME": str(dagster_home), "DAGSTER_HOME": str(dagster_home / "dagster")}
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    figures_written = dagster_home / "lake" / "tables" / "figures"
    deadline = time.monotonic() + 300
    while not figures_written.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()

    lake = dagster_home / "lake"
    for table in lake.rglob("*.parquet"):
        pq.read_table(table)  # raises on a torn file
    for manifest in (lake / "releases").rglob("manifest.json") if (lake / "releases").exists() else []:
        if not any(part.startswith(".tmp-") for part in manifest.parts):
            assert verify_release(manifest.parent) == []

    rerun = _run(command, dagster_home)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr[-3000:]
    leftovers = [path for path in (lake / "tables").rglob("*") if path.name.startswith(".tmp-")]
    leftovers += [path for path in (lake / "releases").rglob("*") if path.name.startswith(".tmp-")]
    assert leftovers == []
    assert verify_release(lake / "releases" / "arxiv" / "2024-01") == []


def test_progress_is_drawn_on_a_terminal_and_nothing_extra_reaches_a_pipe(tmp_path: Path, s1mm_home: Path):
    """`s1mm verify` over several releases: a bar on a terminal, only the verdict lines when piped."""
    import pty

    for month in ("2024-01", "2024-02", "2024-03"):  # three empty releases, each whole
        (tmp_path / "arxiv" / month).mkdir(parents=True)
        (tmp_path / "arxiv" / month / "manifest.json").write_text('{"files": {}, "n_samples": 0}')
    command = [sys.executable, "-m", "s1mm_assets.cli", "verify", str(tmp_path)]
    environment = {**os.environ, "COLUMNS": "120"}
    piped = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=300)
    assert piped.stderr == "" and piped.stdout.count("OK ") == 3

    transcript = bytearray()

    def read(fd: int) -> bytes:
        data = os.read(fd, 4096)
        transcript.extend(data)
        return data

    old = os.environ.copy()
    os.environ.update(environment)
    try:
        pty.spawn(command, read)
    finally:
        os.environ.clear()
        os.environ.update(old)
    assert b"verifying releases" in transcript and transcript.count(b"OK ") == 3


def test_sql_reports_a_bad_query_without_a_traceback(s1mm_home: Path, capsys):
    assert main(["sql", "select * from no_such_table"]) == 2
    assert "no_such_table" in capsys.readouterr().err


def test_sql_default_output_is_an_aligned_table(s1mm_home: Path, capsys):
    assert main(["sql", "select 'arxiv' as source, 3 as n"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["source", "n"] and lines[2].split() == ["arxiv", "3"] and lines[-1] == "(1 row)"


def test_verify_of_a_folder_without_manifest_fails(tmp_path: Path, s1mm_home: Path, capsys):
    assert main(["verify", str(tmp_path)]) == 1
    assert "manifest.json: missing" in capsys.readouterr().out
