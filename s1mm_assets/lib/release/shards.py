"""Write a partition's released samples as WebDataset tar shards plus JSONL and Parquet metadata.

Output is a pure function of the rows: samples sorted by (paper_id, figure_id), tar headers without clocks
or owners, JSON with sorted keys. Re-releasing a partition therefore reproduces every byte.

    <folder>/shards/<source>-<YYYY-MM>-<NNNNNN>.tar   members <key>.<png|jpg> and <key>.json
    <folder>/metadata.jsonl                            one line per sample, keys sorted
    <folder>/metadata.parquet                          the same rows, for SQL and dataframes
"""

from __future__ import annotations

import dataclasses
import io
import json
import tarfile
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

MAX_SAMPLES_PER_SHARD = 1000
MAX_SHARD_BYTES = 1 << 30
IMAGE_EXTENSIONS = {"png": "png", "jpeg": "jpg"}


@dataclasses.dataclass(frozen=True)
class ReleaseSample:
    key: str  # WebDataset sample key: no dots, unique in the release
    image_ref: str  # where read_image finds the bytes (a lake path); images are read one at a time
    image_format: str  # "png" | "jpeg"
    metadata: Mapping  # everything else about the sample; must hold paper_id


@dataclasses.dataclass(frozen=True)
class ShardInfo:
    name: str  # relative to the release folder
    n_samples: int


def write_release(
    folder: Path,
    source: str,
    month: str,
    samples: Iterable[ReleaseSample],
    read_image: Callable[[str], bytes],
    max_samples: int = MAX_SAMPLES_PER_SHARD,
    max_bytes: int = MAX_SHARD_BYTES,
    metadata_schema: pa.Schema | None = None,
) -> list[ShardInfo]:
    """Write the shards and both metadata files; `metadata_schema` fixes the Parquet column types."""
    ordered = sorted(samples, key=lambda sample: (sample.metadata["paper_id"], sample.key))
    (folder / "shards").mkdir(parents=True, exist_ok=True)
    timestamp = int(datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC).timestamp())
    shards: list[ShardInfo] = []
    records: list[dict] = []
    writer: _ShardWriter | None = None
    for sample in ordered:
        image = read_image(sample.image_ref)
        member_bytes = len(image) + 2048
        if (
            writer is None
            or writer.n_samples >= max_samples
            or (writer.n_samples and writer.bytes + member_bytes > max_bytes)
        ):
            if writer is not None:
                shards.append(writer.close())
            writer = _ShardWriter(folder, f"shards/{source}-{month}-{len(shards):06d}.tar", timestamp)
        record = writer.add(sample, image)
        records.append(record)
    if writer is not None:
        shards.append(writer.close())
    _write_metadata(folder, records, metadata_schema)
    return shards


class _ShardWriter:
    def __init__(self, folder: Path, name: str, timestamp: int):
        self.name = name
        self.timestamp = timestamp
        self.archive = tarfile.open(folder / name, mode="w", format=tarfile.USTAR_FORMAT)  # noqa: SIM115 - closed in close()
        self.n_samples = 0
        self.bytes = 0

    def add(self, sample: ReleaseSample, image: bytes) -> dict:
        extension = IMAGE_EXTENSIONS[sample.image_format]
        record = {
            "image_path": f"{self.name}/{sample.key}.{extension}",
            **sample.metadata,
            "key": sample.key,
            "shard": self.name,
        }
        self._add_member(f"{sample.key}.{extension}", image)
        self._add_member(f"{sample.key}.json", _json_bytes(record))
        self.n_samples += 1
        return record

    def _add_member(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = self.timestamp
        info.mode = 0o644
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        self.archive.addfile(info, io.BytesIO(data))
        self.bytes += len(data) + 1024

    def close(self) -> ShardInfo:
        self.archive.close()
        return ShardInfo(name=self.name, n_samples=self.n_samples)


def _write_metadata(folder: Path, records: list[dict], schema: pa.Schema | None) -> None:
    write_jsonl(folder / "metadata.jsonl", records)
    if schema is not None:
        table = pa.Table.from_pylist(records, schema=schema)
    else:
        table = pa.Table.from_pylist(records) if records else pa.table({"key": pa.array([], pa.string())})
    pq.write_table(table, folder / "metadata.parquet", compression="zstd")


def write_jsonl(path: Path, records: Iterable[Mapping]) -> None:
    with open(path, "wb") as handle:
        for record in records:
            handle.write(_json_bytes(record) + b"\n")


def _json_bytes(record: Mapping) -> bytes:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
