"""The lake on S3 (moto's server on 127.0.0.1): a table or a release is seen whole or not at all, even when the
upload breaks off midway, and a rerun completes it."""

from __future__ import annotations

import pytest

from s1mm_assets.lib.lake import PUBLISHED_POINTER, Lake
from s1mm_assets.lib.settings import StorageSettings

RELEASE = "releases/arxiv/2024-01"
OLD = {"manifest.json": b'{"v": 1}', "shards/000000.tar": b"old shard 0", "README.md": b"old card"}
NEW = {
    "manifest.json": b'{"v": 2}',
    "shards/000000.tar": b"new shard 0",
    "shards/000001.tar": b"new shard 1",
    "README.md": b"new card",
    "held_back.jsonl": b"",
}


class UploadBroken(OSError):
    pass


@pytest.fixture
def s3_lake(s3_lake_settings: StorageSettings) -> Lake:
    return Lake(s3_lake_settings.lake_url(), s3_lake_settings.storage_options())


def publish(lake: Lake, files: dict[str, bytes]) -> None:
    with lake.staged_folder(RELEASE) as staging:
        for name, data in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(data)


def what_a_reader_sees(settings: StorageSettings) -> dict[str, bytes]:
    """The release as a fresh reader finds it, the way `s1mm verify` and the dataset report do: the releases that
    have a manifest, each read through the lake."""
    lake = Lake(settings.lake_url(), settings.storage_options())
    if lake.published_folders("releases", "manifest.json") != ["arxiv/2024-01"]:
        return {}
    folder = lake.published_folder(RELEASE)
    return {name: folder.cat_file(name) for name in folder.find("")}


def break_uploads_after(monkeypatch, lake: Lake, uploads: int, seen: list, settings: StorageSettings) -> None:
    """Every upload first records what a reader sees at that moment; the upload after `uploads` raises."""
    put_file = lake.fs.put_file
    done = []

    def failing_put(local, remote, *args, **kwargs):
        seen.append(what_a_reader_sees(settings))
        if len(done) == uploads:
            raise UploadBroken(f"connection reset while uploading {remote}")
        done.append(remote)
        return put_file(local, remote, *args, **kwargs)

    monkeypatch.setattr(lake.fs, "put_file", failing_put)


def test_a_release_upload_broken_midway_leaves_readers_the_old_release_and_a_rerun_completes_it(
    s3_lake: Lake, s3_lake_settings: StorageSettings, monkeypatch: pytest.MonkeyPatch
):
    publish(s3_lake, OLD)
    assert what_a_reader_sees(s3_lake_settings) == OLD

    seen: list[dict[str, bytes]] = []
    with monkeypatch.context() as patch:
        break_uploads_after(patch, s3_lake, 3, seen, s3_lake_settings)
        with pytest.raises(UploadBroken):
            publish(s3_lake, NEW)
    assert len(seen) == 4  # three objects of the new release were already up when the fourth failed
    assert all(snapshot == OLD for snapshot in seen)
    assert what_a_reader_sees(s3_lake_settings) == OLD

    seen.clear()
    with monkeypatch.context() as patch:
        break_uploads_after(patch, s3_lake, len(NEW), seen, s3_lake_settings)
        publish(s3_lake, NEW)
    assert all(snapshot == OLD for snapshot in seen)  # until the pointer moved, the old release and nothing else
    assert what_a_reader_sees(s3_lake_settings) == NEW

    def listing() -> dict[str, str]:
        folder = s3_lake.path(RELEASE)
        return {path[len(folder) + 1 :]: s3_lake.fs.info(path)["ETag"] for path in s3_lake.fs.find(folder)}

    versions = {name.split("/")[0] for name in listing() if name != PUBLISHED_POINTER}
    assert len(versions) == 2  # the new one and the one before (a reader may still be reading it); no partial one
    before = listing()
    publish(s3_lake, NEW)
    assert listing() == before  # publishing the same files again changes nothing
    assert what_a_reader_sees(s3_lake_settings) == NEW


def test_a_first_release_broken_midway_is_not_there_at_all(
    s3_lake: Lake, s3_lake_settings: StorageSettings, monkeypatch: pytest.MonkeyPatch
):
    seen: list[dict[str, bytes]] = []
    with monkeypatch.context() as patch:
        break_uploads_after(patch, s3_lake, 2, seen, s3_lake_settings)
        with pytest.raises(UploadBroken):
            publish(s3_lake, NEW)
    assert seen == [{}, {}, {}]
    assert what_a_reader_sees(s3_lake_settings) == {}
    assert s3_lake.published_folders("releases", "manifest.json") == []

    publish(s3_lake, NEW)
    assert what_a_reader_sees(s3_lake_settings) == NEW
    assert s3_lake.published_folders("releases", "manifest.json") == ["arxiv/2024-01"]


def test_a_table_write_that_fails_leaves_the_previous_table(s3_lake: Lake, monkeypatch: pytest.MonkeyPatch):
    row = {"source": "arxiv", "month": "2024-01", "stage": "figures", "item_id": "p#1", "reason": "tikz"}
    s3_lake.write_table("quarantine", "arxiv", "2024-01", [row])

    def broken_put(*args, **kwargs):
        raise UploadBroken("connection reset")

    with monkeypatch.context() as patch:
        patch.setattr(s3_lake.fs, "pipe_file", broken_put)
        with pytest.raises(UploadBroken):
            s3_lake.write_table("quarantine", "arxiv", "2024-01", [row, row | {"item_id": "p#2"}])
    assert s3_lake.read_table("quarantine", "arxiv", "2024-01").column("item_id").to_pylist() == ["p#1"]
    assert s3_lake.fs.find(s3_lake.path("tables")) == [
        s3_lake.path(f"{s3_lake.partition_folder('quarantine', 'arxiv', '2024-01')}/data.parquet")
    ]
