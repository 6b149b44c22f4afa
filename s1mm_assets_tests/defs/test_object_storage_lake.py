"""The lake on object storage: a sample partition through every stage into an S3 bucket (moto's server on
127.0.0.1, reached with the lake's own settings), queried with `s1mm sql`, checked with `s1mm verify`, and its
release the same bytes as the one written to a local folder."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import dagster as dg
import pytest

from s1mm_assets.defs.dataset_report.assets import dataset_report
from s1mm_assets.defs.resources import resources_from_settings
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.settings import StorageSettings, load_settings
from s1mm_assets_tests.pipeline import failed_checks, materialize_partition

SOURCE, MONTH = "biorxiv", "2024-01"
RELEASE = f"releases/{SOURCE}/{MONTH}"


def s1mm(*arguments: str) -> subprocess.CompletedProcess:
    """The `s1mm` command as a user runs it, in this test's environment (its S1MM_LAKE and lake settings)."""
    return subprocess.run(
        [sys.executable, "-m", "s1mm_assets.cli", *arguments],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=300,
    )


def release_files(lake: Lake) -> dict[str, bytes]:
    folder = lake.published_folder(RELEASE)
    return {name: folder.cat_file(name) for name in sorted(folder.find(""))}


def test_a_partition_on_object_storage_is_queried_verified_and_releases_the_bytes_a_local_lake_does(
    lake: Lake, s3_lake_settings: StorageSettings, monkeypatch: pytest.MonkeyPatch
):
    with monkeypatch.context() as local:
        for variable in [name for name in os.environ if name.startswith("S1MM_LAKE")]:
            local.delenv(variable)  # the same run on the local lake (`lake`: $S1MM_HOME/lake)
        assert materialize_partition(SOURCE, MONTH).success
    on_disk = release_files(lake)
    assert "manifest.json" in on_disk and any(name.startswith("shards/") for name in on_disk)

    result = materialize_partition(SOURCE, MONTH)
    assert result.success and failed_checks(result) == set()
    report = dg.materialize([dataset_report], resources=resources_from_settings(load_settings()))
    assert report.success
    s3_lake = Lake(s3_lake_settings.lake_url(), s3_lake_settings.storage_options())
    assert s3_lake.fs.exists(s3_lake.path(f"{RELEASE}/PUBLISHED"))
    assert release_files(s3_lake) == on_disk  # every file, byte for byte

    counted = s1mm("sql", "select count(*) as figures from figures", "--format", "json")
    assert counted.returncode == 0, counted.stderr[-3000:]
    assert json.loads(counted.stdout)[0]["figures"] > 0
    released = s1mm("sql", "select distinct release_dir, manifest_sha256 from releases", "--format", "json")
    [row] = json.loads(released.stdout)
    assert row["manifest_sha256"] == hashlib.sha256(on_disk["manifest.json"]).hexdigest()
    assert s3_lake.fs.exists(s3_lake.path(f"{row['release_dir']}/manifest.json"))  # the path it records is there

    releases = s3_lake_settings.lake_url() + "/releases"
    verified = s1mm("verify", releases)
    assert verified.returncode == 0, verified.stdout + verified.stderr[-3000:]
    assert verified.stdout.splitlines()[0].startswith(f"OK {releases}: dataset of 1 releases")
    assert f"OK {releases}/{SOURCE}/{MONTH}: " in verified.stdout

    shard = next(name for name in on_disk if name.startswith("shards/"))
    stored = s3_lake.path(f"{s3_lake.published_relative(RELEASE)}/{shard}")
    data = bytearray(s3_lake.fs.cat_file(stored))
    data[len(data) // 3] ^= 0xFF
    s3_lake.fs.pipe_file(stored, bytes(data))
    tampered = s1mm("verify", f"{releases}/{SOURCE}/{MONTH}")
    assert tampered.returncode == 1
    assert f"{shard}: sha256 differs" in tampered.stdout
