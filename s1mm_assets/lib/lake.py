"""The lake: Parquet tables in hive-style partition folders, content-addressed blobs, release folders.

Layout under the root (a local folder or any fsspec URL such as `s3://bucket/prefix`):

    tables/<table>/source=<source>/month=<YYYY-MM>/[<key>=<value>/]data.parquet
    report/<report table>.parquet      the dataset report's tables, about every partition
    blobs/<sha256[:2]>/<sha256>.<ext>
    releases/<source>/<YYYY-MM>/...
    releases/README.md, manifest.json, charts/   the dataset card and the manifest of manifests

Every write is atomic: a reader, or a run killed halfway, sees the old file or the new one, never a torn one.
On a local disk that is a temporary name plus rename; object stores make a single PUT visible atomically.

A folder of many files (a release) is published whole. On a local disk a staging folder is renamed over it. An
object store has no rename and no multi-object commit, so there the folder holds immutable versions and a pointer:

    releases/<source>/<YYYY-MM>/PUBLISHED       the name of the current version, written last (one PUT)
    releases/<source>/<YYYY-MM>/v-<digest>/...  every file of one version; the digest is of the files' content

Readers go through the pointer (`published_folder`), so they see the previous version or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.implementations.dirfs import DirFileSystem

from s1mm_assets.lib.schemas import REPORT_TABLES, TABLES

TABLE_FILE = "data.parquet"
# Rows per Parquet row group: what a table's writer holds (as Arrow) before writing them. A partition of at most
# this many rows is one row group, byte for byte the file one `pq.write_table` call makes.
ROW_GROUP_ROWS = 4096
# Rows per batch that a stage reads (as Python dicts, several times their Arrow size) and works on at a time.
READ_BATCH_ROWS = 1024
# Temporaries are hidden and never end in a reader's suffix (.parquet, .tar), so no glob ever picks one up.
_TEMP_PREFIX = ".tmp-"
_TEMP_SUFFIX = ".partial"
_COMPRESSION = "zstd"
# On object storage: the object naming a published folder's current version, and the prefix of version folders.
PUBLISHED_POINTER = "PUBLISHED"
_VERSION_PREFIX = "v-"


class PartitionMissing(LookupError):
    """The upstream stage has not written this partition yet."""


@dataclasses.dataclass(frozen=True)
class BlobRef:
    sha256: str
    path: str  # relative to the lake root


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Lake:
    def __init__(self, url: str, storage_options: Mapping | None = None):
        self.url = url
        self.fs, self.root = fsspec.core.url_to_fs(url, **dict(storage_options or {}))
        self.is_local = isinstance(self.fs, fsspec.implementations.local.LocalFileSystem)

    def path(self, relative: str) -> str:
        return f"{self.root.rstrip('/')}/{relative}"

    def local_path(self, relative: str) -> Path:
        """The file on this machine's disk; only for a local lake."""
        if not self.is_local:
            raise ValueError(f"the lake at {self.url} is not on a local disk")
        return Path(self.path(relative))

    # --- tables -------------------------------------------------------------------------------------------

    @staticmethod
    def partition_folder(table: str, source: str, month: str, **extra: str) -> str:
        parts = [f"tables/{table}", f"source={source}", f"month={month}"]
        parts += [f"{key}={value}" for key, value in extra.items()]
        return "/".join(parts)

    @classmethod
    def table_file(cls, table: str, source: str, month: str, **extra: str) -> str:
        """The partition's Parquet file, relative to the lake root."""
        return f"{cls.partition_folder(table, source, month, **extra)}/{TABLE_FILE}"

    def table_glob(self, table: str) -> str:
        return self.path(f"tables/{table}/**/*.parquet")

    def write_table(self, table: str, source: str, month: str, rows: Sequence[Mapping] | pa.Table, **extra: str) -> str:
        """Validate rows against the table's declared schema and replace the partition's file atomically.

        Strict: a key or column the schema does not declare, or a non-nullable one that is missing or null, is an
        error naming the table and the key (a misspelt metric must never become a column of NULLs). A nullable
        column a row leaves out is NULL."""
        with self.table_writer(table, source, month, **extra) as writer:
            writer.write(rows)
        return writer.relative

    @contextlib.contextmanager
    def table_writer(self, table: str, source: str, month: str, **extra: str) -> Iterator[TableWriter]:
        """Replace the partition's file with the rows given to `write` batch by batch, validated as `write_table`
        validates them and written in row groups of ROW_GROUP_ROWS, so a stage holds one batch, not the partition.
        The file replaces the old one atomically when the block ends; when the block raises, the old one stays."""
        relative = self.table_file(table, source, month, **extra)
        if not self.is_local:  # one PUT publishes the whole file: object stores have no rename
            buffer = io.BytesIO()
            writer = TableWriter(table, source, month, relative, buffer)
            yield writer
            writer.close()
            self.fs.pipe_file(self.path(relative), buffer.getvalue())
            return
        target = self.path(relative)
        _remove_stale_temporaries(os.path.dirname(target), TABLE_FILE)
        with _replaced_atomically(target) as handle:
            writer = TableWriter(table, source, month, relative, handle)
            yield writer
            writer.close()

    def read_table(self, table: str, source: str, month: str, **extra: str) -> pa.Table:
        relative = self._existing_table_file(table, source, month, **extra)
        return _conform(self.read_parquet(self.path(relative)), TABLES[table])

    def _existing_table_file(self, table: str, source: str, month: str, **extra: str) -> str:
        relative = self.table_file(table, source, month, **extra)
        if not self.fs.exists(self.path(relative)):
            raise PartitionMissing(f"{table} has no partition source={source} month={month} {extra or ''}".strip())
        return relative

    def iter_rows(
        self,
        table: str,
        source: str,
        month: str,
        columns: Sequence[str] | None = None,
        batch_rows: int = READ_BATCH_ROWS,
    ) -> Iterator[list[dict]]:
        """The partition's rows in file order, `batch_rows` at a time, as dicts of `columns` (all declared columns
        when None; a declared column the file predates reads as NULL). Only one batch is decoded at a time: the
        file's compressed bytes and that batch are what a reader holds."""
        relative = self._existing_table_file(table, source, month)
        wanted = _declared(table, columns)
        # Parsed from bytes in memory, never from a Python file object: see `read_parquet`.
        parquet = pq.ParquetFile(pa.BufferReader(self.read_bytes(relative)))
        stored = [name for name in wanted.names if name in parquet.schema_arrow.names]
        for batch in parquet.iter_batches(batch_size=batch_rows, columns=stored, use_threads=False):
            yield _conform(pa.Table.from_batches([batch]), wanted).to_pylist()

    def read_table_and_digest(
        self, table: str, source: str, month: str, columns: Sequence[str] | None = None
    ) -> tuple[pa.Table, str]:
        """The partition's table (those of `columns` it declares, when given) and the sha256 of its file: what a
        stage that decides from other partitions records as consulted."""
        data = self.read_bytes(self._existing_table_file(table, source, month))
        parquet = pq.ParquetFile(pa.BufferReader(data))
        stored = parquet.read(columns=[c for c in columns if c in parquet.schema_arrow.names] if columns else None)
        return _conform(stored, _declared(table, columns)), sha256_hex(data)

    @staticmethod
    def report_table_path(table: str) -> str:
        return f"report/{table}.parquet"

    def write_report_table(self, table: str, rows: Sequence[Mapping] | pa.Table) -> str:
        """Replace a dataset report table (declared in REPORT_TABLES) atomically, validated as strictly as
        `write_table`."""
        if table not in REPORT_TABLES:
            raise SchemaMismatch(f"{table} is not a declared report table ({', '.join(REPORT_TABLES)})")
        buffer = io.BytesIO()
        pq.write_table(conform_to_schema(table, rows), buffer, compression=_COMPRESSION)
        relative = self.report_table_path(table)
        self.write_bytes(relative, buffer.getvalue())
        return relative

    def read_report_table(self, table: str) -> pa.Table:
        relative = self.report_table_path(table)
        if not self.fs.exists(self.path(relative)):
            raise PartitionMissing(f"{table}: no dataset report has been written yet")
        return _conform(self.read_parquet(self.path(relative)), REPORT_TABLES[table])

    def partitions(self, table: str) -> list[tuple[str, str]]:
        """(source, month) of every partition the table has, sorted."""
        found = []
        for path in self.fs.glob(self.path(f"tables/{table}/source=*/month=*/{TABLE_FILE}")):
            source_folder, month_folder = path.rstrip("/").split("/")[-3:-1]
            found.append((source_folder.removeprefix("source="), month_folder.removeprefix("month=")))
        return sorted(found)

    def read_parquet(self, path: str, columns: Sequence[str] | None = None) -> pa.Table:
        """A Parquet file of the lake (a full filesystem path), parsed from its bytes in memory; only those of
        `columns` that it has, when given. Never from a Python file object: pyarrow then finishes reading on its
        own threads after returning and may abort the process at exit ("terminate called without an active
        exception", apache/arrow#34314, #33975), which made `s1mm verify` exit with SIGABRT about once in ten
        runs on a busy machine."""
        with self.fs.open(path, "rb") as handle:
            parquet = pq.ParquetFile(pa.BufferReader(handle.read()))
        if columns is not None:
            columns = [column for column in columns if column in parquet.schema_arrow.names]
        return parquet.read(columns=columns)

    def has_partition(self, table: str, source: str, month: str, **extra: str) -> bool:
        relative = self.table_file(table, source, month, **extra)
        return self.fs.exists(self.path(relative))

    # --- blobs --------------------------------------------------------------------------------------------

    def put_blob(self, data: bytes, extension: str) -> BlobRef:
        digest = sha256_hex(data)
        relative = f"blobs/{digest[:2]}/{digest}.{extension.lstrip('.').lower()}"
        if not self.fs.exists(self.path(relative)):
            self.write_bytes(relative, data)
        return BlobRef(sha256=digest, path=relative)

    def read_bytes(self, relative: str) -> bytes:
        with self.fs.open(self.path(relative), "rb") as handle:
            return handle.read()

    # --- atomic writes ------------------------------------------------------------------------------------

    def write_bytes(self, relative: str, data: bytes) -> None:
        target = self.path(relative)
        if not self.is_local:
            self.fs.pipe_file(target, data)
            return
        with _replaced_atomically(target) as handle:
            handle.write(data)

    @contextlib.contextmanager
    def staged_folder(self, relative: str) -> Iterator[Path]:
        """Build a whole folder in a local staging area, then publish it in one step.

        Readers see the previous complete folder until the new one replaces it: on a local disk by a rename, on
        object storage by a new version and a pointer written last (readers follow it: `published_folder`). When
        the block raises, nothing is published and the staging area is removed.
        """
        if self.is_local:
            final = Path(self.path(relative))
            final.parent.mkdir(parents=True, exist_ok=True)
            _remove_stale_temporaries(str(final.parent), final.name)
            staging = final.parent / _temporary_name(final.name)
            staging.mkdir()
            try:
                yield staging
                _swap_folder(staging, final)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            return
        with tempfile.TemporaryDirectory(prefix="s1mm-stage-") as staging_name:
            staging = Path(staging_name)
            yield staging
            self._publish_version(staging, relative)

    def _publish_version(self, staging: Path, relative: str) -> None:
        """Upload the staged files as a version of the folder, point the folder at it (the commit), then remove what
        no reader needs: versions never committed (a run killed mid-upload), files of an older layout, and versions
        before the previous one. The previous one stays, for a reader who resolved the pointer just before it moved.
        The version is named by the files' content: publishing the files already published changes nothing."""
        names = sorted(path.relative_to(staging).as_posix() for path in staging.rglob("*") if path.is_file())
        digest = hashlib.sha256()
        for name in names:
            digest.update(f"{name}\0{sha256_hex((staging / name).read_bytes())}\n".encode())
        version = f"{_VERSION_PREFIX}{digest.hexdigest()[:16]}"
        folder = self.path(relative).rstrip("/")
        previous = self._pointed_version(folder)
        if previous == version:
            return
        for name in names:
            self.fs.put_file(str(staging / name), f"{folder}/{version}/{name}")
        self.fs.pipe_file(f"{folder}/{PUBLISHED_POINTER}", version.encode())
        keep = {PUBLISHED_POINTER, version, previous}
        for existing in self.fs.find(folder):
            if existing[len(folder) + 1 :].split("/", 1)[0] not in keep:
                self.fs.rm_file(existing)

    def _pointed_version(self, folder: str) -> str | None:
        try:
            return self.fs.cat_file(f"{folder}/{PUBLISHED_POINTER}").decode().strip()
        except FileNotFoundError:
            return None

    def published_relative(self, relative: str) -> str:
        """Where readers find the folder `staged_folder(relative)` published, relative to the root: the folder
        itself on a local disk, the version its pointer names on object storage (the folder itself where there is
        no pointer, as for a folder written file by file such as the top of `releases/`)."""
        if self.is_local:
            return relative
        version = self._pointed_version(self.path(relative).rstrip("/"))
        return "/".join(part for part in (relative.strip("/"), version) if part) if version else relative

    def published_folder(self, relative: str = "") -> DirFileSystem:
        """The published folder (`published_relative`) as a filesystem rooted there: a file's name in it is its
        name within the folder, on a local disk and on object storage alike."""
        return DirFileSystem(path=self.path(self.published_relative(relative)).rstrip("/"), fs=self.fs)

    def published_folders(self, relative: str, holding: str) -> list[str]:
        """The folders below `relative` (named relative to it, "" for itself) whose published copy holds a file
        named `holding`: a folder with versions counts once, by its current version; staging areas and versions
        no pointer names (an upload broken off) never."""
        base = self.path(relative).rstrip("/")
        names = {path[len(base) + 1 :] for path in self.fs.find(base)}
        current = {}  # folder with a pointer -> its current version folder
        for name in names:
            folder, _, file_name = name.rpartition("/")
            if file_name == PUBLISHED_POINTER:
                version = self._pointed_version(f"{base}/{folder}".rstrip("/"))
                current[folder] = "/".join(part for part in (folder, version) if part)
        found = set()
        for name in names:
            folder, _, file_name = name.rpartition("/")
            if file_name != holding or any(is_temporary(part) for part in name.split("/")):
                continue
            owner = next((o for o in current if not o or folder == o or folder.startswith(f"{o}/")), None)
            if owner is not None:
                if folder == current[owner]:
                    found.add(owner)
            elif not any(_is_version(part) for part in folder.split("/")):  # not a version never committed
                found.add(folder)
        return sorted(found)


@contextlib.contextmanager
def _replaced_atomically(target: str) -> Iterator[BinaryIO]:
    """A local file written beside `target` and renamed over it once the block ends, synced first: readers see the
    old file or the whole new one; when the block raises, the old one stays and the partial file is removed."""
    folder = os.path.dirname(target)
    os.makedirs(folder, exist_ok=True)
    temporary = os.path.join(folder, _temporary_name(os.path.basename(target)))
    try:
        with open(temporary, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _swap_folder(staging: Path, final: Path) -> None:
    retired = final.parent / _temporary_name(final.name)
    if final.exists():
        os.replace(final, retired)
    os.replace(staging, final)
    shutil.rmtree(retired, ignore_errors=True)


def _is_version(name: str) -> bool:
    return name.startswith(_VERSION_PREFIX) and len(name) == len(_VERSION_PREFIX) + 16


def _temporary_name(name: str) -> str:
    return f"{_TEMP_PREFIX}{uuid.uuid4().hex}-{name}{_TEMP_SUFFIX}"


def is_temporary(name: str) -> bool:
    return name.startswith(_TEMP_PREFIX) and name.endswith(_TEMP_SUFFIX)


def _remove_stale_temporaries(folder: str, name: str) -> None:
    """Remove what a run killed while writing `name` left behind.

    Only temporaries of that one name: other partitions may be writing beside it right now.
    """
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(folder):
            if entry.name.startswith(_TEMP_PREFIX) and entry.name.endswith(f"-{name}{_TEMP_SUFFIX}"):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    with contextlib.suppress(FileNotFoundError):
                        os.remove(entry.path)


class TableWriter:
    """Validates a partition's rows and writes them to `sink` in row groups of ROW_GROUP_ROWS (made by
    `Lake.table_writer`, which publishes the file). Rows given as dicts are validated a thousand at a time."""

    _VALIDATE_ROWS = 1000

    def __init__(self, table: str, source: str, month: str, relative: str, sink):
        self.table, self.source, self.month = table, source, month
        self.relative = relative  # the lake path the file is published at
        self.rows = 0
        self._sink = sink
        self._unchecked: list[Mapping] = []
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._parquet: pq.ParquetWriter | None = None

    def write(self, rows: Sequence[Mapping] | pa.Table) -> None:
        if isinstance(rows, pa.Table):
            self._validate()
            self._add(rows)
        else:
            self._unchecked.extend(rows)
            if len(self._unchecked) >= self._VALIDATE_ROWS:
                self._validate()

    def close(self) -> None:
        """Write what is pending (an empty table when nothing was written at all) and the file's footer."""
        self._validate()
        if self._pending_rows or self._parquet is None:
            self._write_group(self._pending_rows)
        self._parquet.close()

    def _validate(self) -> None:
        if self._unchecked:
            rows, self._unchecked = self._unchecked, []
            self._add(rows)

    def _add(self, rows: Sequence[Mapping] | pa.Table) -> None:
        arrow = conform_to_schema(self.table, rows)
        _check_partition_columns(arrow, self.table, self.source, self.month)
        self._pending.append(arrow)
        self._pending_rows += arrow.num_rows
        self.rows += arrow.num_rows
        while self._pending_rows >= ROW_GROUP_ROWS:
            self._write_group(ROW_GROUP_ROWS)

    def _write_group(self, count: int) -> None:
        pending = pa.concat_tables(self._pending) if self._pending else conform_to_schema(self.table, [])
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self._sink, pending.schema, compression=_COMPRESSION)
        self._parquet.write_table(pending.slice(0, count), row_group_size=ROW_GROUP_ROWS)
        rest = pending.slice(count)
        self._pending, self._pending_rows = ([rest] if rest.num_rows else []), rest.num_rows


class SchemaMismatch(ValueError):
    """Rows that do not fit their table's declared schema."""


def conform_to_schema(table: str, rows: Sequence[Mapping] | pa.Table) -> pa.Table:
    """`rows` as an Arrow table of the declared schema, or SchemaMismatch naming the table and the offending key."""
    schema = TABLES[table] if table in TABLES else REPORT_TABLES[table]
    if isinstance(rows, pa.Table):
        _check_keys(table, schema, set(rows.column_names), "the Arrow table")
        arrow = pa.Table.from_arrays(
            [
                rows.column(field.name) if field.name in rows.column_names else pa.nulls(rows.num_rows, field.type)
                for field in schema
            ],
            names=schema.names,
        )
    else:
        rows = list(rows)
        checked: set[frozenset] = set()
        for index, row in enumerate(rows):
            keys = frozenset(row)
            if keys not in checked:  # rows of one stage share a handful of key sets: check each once
                _check_keys(table, schema, keys, f"row {index}")
                checked.add(keys)
        try:
            arrow = pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()
        except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
            raise SchemaMismatch(f"{table}: a value does not fit its column's declared type: {error}") from None
    for field in schema:
        if not field.nullable and arrow.column(field.name).null_count:
            raise SchemaMismatch(f"{table}: column {field.name!r} is declared non-nullable but holds NULL")
    try:
        return arrow.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as error:
        raise SchemaMismatch(f"{table}: a column does not fit its declared type: {error}") from None


def _check_keys(table: str, schema: pa.Schema, keys: set[str] | frozenset[str], where: str) -> None:
    unknown = sorted(keys - set(schema.names))
    if unknown:
        raise SchemaMismatch(
            f"{table}: {where} has key(s) {', '.join(map(repr, unknown))} that the table does not declare "
            f"(declared: {', '.join(schema.names)})"
        )
    missing = [field.name for field in schema if not field.nullable and field.name not in keys]
    if missing:
        raise SchemaMismatch(f"{table}: {where} lacks the non-nullable key(s) {', '.join(map(repr, missing))}")


def _check_partition_columns(arrow: pa.Table, table: str, source: str, month: str) -> None:
    for column, expected in (("source", source), ("month", month)):
        values = set(arrow.column(column).to_pylist())
        if values - {expected}:
            raise ValueError(f"{table}: rows for {sorted(values - {expected})} written into {column}={expected}")


def _declared(table: str, columns: Sequence[str] | None) -> pa.Schema:
    """The table's declared schema, narrowed to `columns` when given."""
    schema = TABLES[table]
    return pa.schema([schema.field(name) for name in columns]) if columns else schema


def _conform(stored: pa.Table, schema: pa.Schema) -> pa.Table:
    """Files written before a column was added read that column as NULL."""
    columns = [
        stored.column(field.name).cast(field.type)
        if field.name in stored.column_names
        else pa.nulls(stored.num_rows, field.type)
        for field in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)
