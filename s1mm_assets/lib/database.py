"""The lake as a DuckDB database file that any DuckDB client opens: the `duckdb` shell, Python, a notebook, a SQL IDE.

The file holds views only, no data: one per lake table (every partition, read where it lies, local or on object
storage) and a few named views for the common questions (`released_figures`, `partition_summary`,
`quarantine_reasons`, `held_back_reasons`). A view of a table reads its files when it is queried, so new partitions
show at once; the file itself changes only when a view's definition does: when a table gets its first partition,
or the code declares a new column. Every step that writes the lake refreshes it (`refresh_database`), and
`s1mm sql` queries it.

DuckDB allows one writer per database file, and a user's IDE may hold the file open. So the file is never written in
place: a refresh builds a new file beside it and renames it over the old one, one refresh at a time (an exclusive
lock on `<file>.lock`); a client that has the old file open keeps reading the old views until it reopens.

The file is written in DuckDB's v1.0 storage format, which every DuckDB client since 1.0 reads. Its views name the
lake by absolute path or URL; on object storage (`s3://...`) a client needs DuckDB's httpfs extension and
credentials (`CREATE SECRET`), while `s1mm sql` reads through the lake's own filesystem.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.schemas import REPORT_TABLES, TABLES

# Every DuckDB client since 1.0 opens a file written in this format (the newest format would lock out older IDEs).
STORAGE_COMPATIBILITY = "v1.0.0"

# The common questions, over the table views. A figure is released when it passed every per-figure filter and its
# partition owns it (lib/stages/release.py); `releases` says which partitions were released.
NAMED_VIEWS: dict[str, str] = {
    "released_figures": """
        select q.source, q.month, q.figure_id, q.paper_id, p.title, p.discipline, p.license, q.license_id,
               q.license_policy, p.doi, f.label, f.raw_caption as caption, c.enhanced_caption as recaption,
               c.backend as caption_backend, c.model as caption_model, q.raw_chars, q.enhanced_chars,
               q.clip_raw, q.clip_enhanced, q.clip_delta, q.clip_not_measured, q.pppl_raw, q.pppl_enhanced,
               q.perplexity_not_measured, q.grounding, q.figure_type, f.image_format, f.width, f.height,
               f.image_path, r.release_dir, r.manifest_sha256
        from quality q
        join ownership o on o.source = q.source and o.month = q.month and o.figure_id = q.figure_id
        join (select distinct source, month, release_dir, manifest_sha256 from releases) r
            on r.source = q.source and r.month = q.month
        join figures f on f.source = q.source and f.month = q.month and f.figure_id = q.figure_id
        join papers p on p.source = q.source and p.month = q.month and p.paper_id = q.paper_id
        left join captions c on c.source = q.source and c.month = q.month and c.figure_id = q.figure_id
        where q.passed and o.owned
    """,
    "held_back_reasons": """
        select source, month, reason, count(*) as figures
        from (
            select source, month, unnest(reasons) as reason from quality
            union all
            select source, month, 'duplicate' as reason from ownership where releasable and not owned
        )
        group by source, month, reason
    """,
    "quarantine_reasons": """
        select stage, reason, count(*) as items, count(distinct paper_id) as papers,
               count(distinct source || '/' || month) as partitions, min(item_id) as example_item,
               min(detail) as example_detail
        from quarantine
        group by stage, reason
    """,
    "partition_summary": """
        with partitions as (
            select source, month from papers union select source, month from figures
            union select source, month from quality union select source, month from quarantine
        ),
        paper_counts as (select source, month, count(*) as papers from papers group by all),
        figure_counts as (select source, month, count(*) as figures from figures group by all),
        caption_counts as (
            select source, month, count(*) filter (where status = 'ok') as captions_ok,
                   count(*) filter (where status <> 'ok') as captions_not_ok
            from captions group by all
        ),
        quality_counts as (
            select source, month, count(*) as scored, count(*) filter (where passed) as passed_filters,
                   count(*) filter (where not passed) as held_back_by_filters
            from quality group by all
        ),
        duplicate_counts as (
            select source, month, count(*) filter (where releasable and not owned) as duplicates
            from ownership group by all
        ),
        release_counts as (
            select source, month, sum(n_samples)::bigint as released, count(*) as shards,
                   sum(bytes)::bigint as release_bytes, any_value(release_dir) as release_dir
            from releases group by all
        ),
        quarantine_counts as (select source, month, count(*) as quarantined from quarantine group by all),
        gate as (
            select source, month,
                   string_agg("check", ', ' order by "check") filter (where severity = 'ERROR' and not passed)
                       as failed_checks,
                   string_agg("check", ', ' order by "check") filter (where not measured) as not_measured_checks
            from checks group by all
        )
        select source, month, coalesce(papers, 0) as papers, coalesce(figures, 0) as figures,
               coalesce(captions_ok, 0) as captions_ok, coalesce(scored, 0) as scored,
               coalesce(held_back_by_filters, 0) + coalesce(duplicates, 0) as held_back,
               coalesce(duplicates, 0) as duplicates, coalesce(released, 0) as released,
               coalesce(shards, 0) as shards, coalesce(release_bytes, 0) as release_bytes,
               coalesce(quarantined, 0) as quarantined,
               case when scored is null then 'not scored' when failed_checks is not null then 'failed'
                    when not_measured_checks is not null then 'passed, some not measured' else 'passed' end as gate,
               failed_checks, not_measured_checks, release_dir
        from partitions
        left join paper_counts using (source, month) left join figure_counts using (source, month)
        left join caption_counts using (source, month) left join quality_counts using (source, month)
        left join duplicate_counts using (source, month) left join release_counts using (source, month)
        left join quarantine_counts using (source, month) left join gate using (source, month)
    """,
}


def table_files(lake: Lake, table: str) -> str:
    """The file or glob (a path, or a URL on object storage) that a table's view reads."""
    path = lake.path(lake.report_table_path(table)) if table in REPORT_TABLES else lake.table_glob(table)
    if lake.is_local:
        return path
    protocol = lake.fs.protocol[0] if isinstance(lake.fs.protocol, tuple) else lake.fs.protocol
    return f"{protocol}://{path}"


def view_definitions(lake: Lake) -> dict[str, str]:
    """`create view` statements for every table (as the lake holds it now) and every named view, in order."""
    declared = {**TABLES, **REPORT_TABLES}
    typed_empty = _typed_empty_selects(declared)
    statements = {}
    for table in declared:
        select = typed_empty[table]
        if _has_files(lake, table):
            # The declared columns always, NULL where older files lack them; rows from every file of the table.
            quoted = table_files(lake, table).replace("'", "''")
            select += (
                f" union all by name select * from read_parquet('{quoted}', hive_partitioning=true, "
                "union_by_name=true, hive_types_autocast=false)"
            )
        statements[table] = f"create or replace view {table} as {select}"
    for name, select in NAMED_VIEWS.items():
        statements[name] = f"create or replace view {name} as {' '.join(select.split())}"
    return statements


def connect(lake: Lake, database: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A connection on which every view is defined: the database file, opened read-only, when given (refreshed
    first when the lake has changed shape), else an in-memory database with the same views."""
    if database is None:
        connection = duckdb.connect()
        _register_lake(connection, lake)
        for statement in view_definitions(lake).values():
            connection.execute(statement)
        return connection
    refresh_database(lake, database)
    connection = duckdb.connect(str(database), read_only=True)
    _register_lake(connection, lake)
    return connection


def refresh_database(lake: Lake, database: Path, lock_timeout_s: float = 120.0) -> bool:
    """Make the database file define every view as the lake now stands; True when it was (re)written.

    Cheap when nothing changed (one listing per table): the file is rewritten only when a definition differs from
    those it holds, which a digest beside it (`<file>.views`) records."""
    database = Path(database)
    statements = view_definitions(lake)
    digest = hashlib.sha256("\n".join(statements.values()).encode()).hexdigest()
    stamp = database.with_name(database.name + ".views")
    if database.exists() and _read(stamp) == digest:
        return False
    database.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(database.with_name(database.name + ".lock"), lock_timeout_s):
        # another writer may have brought it up to date while this one waited
        statements = view_definitions(lake)
        digest = hashlib.sha256("\n".join(statements.values()).encode()).hexdigest()
        if database.exists() and _read(stamp) == digest:
            return False
        staging = database.with_name(f".{database.name}.{uuid.uuid4().hex}.partial")
        try:
            connection = duckdb.connect(str(staging), config={"storage_compatibility_version": STORAGE_COMPATIBILITY})
            try:
                _register_lake(connection, lake)  # creating a view reads the files' schemas
                for statement in statements.values():
                    connection.execute(statement)
                connection.execute("checkpoint")
            finally:
                connection.close()
            os.replace(staging, database)
        finally:
            for leftover in (staging, staging.with_name(staging.name + ".wal")):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
        stamp_staging = stamp.with_name(f".{stamp.name}.{uuid.uuid4().hex}.partial")
        stamp_staging.write_text(digest + "\n", encoding="utf-8")
        os.replace(stamp_staging, stamp)
    return True


def _typed_empty_selects(declared: dict[str, pa.Schema]) -> dict[str, str]:
    """A `select ... where false` per table with its declared columns and their DuckDB types (as DuckDB maps the
    Arrow types), so a table without a partition yet is still a view with the right columns."""
    connection = duckdb.connect()
    try:
        selects = {}
        for table, schema in declared.items():
            connection.register("declared", schema.empty_table())
            types = connection.execute("describe select * from declared").fetchall()
            connection.unregister("declared")
            columns = ", ".join(f'cast(null as {duck_type}) as "{name}"' for name, duck_type, *_ in types)
            selects[table] = f"select {columns} where false"
        return selects
    finally:
        connection.close()


def _has_files(lake: Lake, table: str) -> bool:
    if table in REPORT_TABLES:
        return lake.fs.exists(lake.path(lake.report_table_path(table)))
    return bool(lake.fs.glob(lake.table_glob(table)))


def _register_lake(connection: duckdb.DuckDBPyConnection, lake: Lake) -> None:
    if not lake.is_local:
        connection.register_filesystem(lake.fs)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def _exclusive(lock_path: Path, timeout_s: float) -> Iterator[None]:
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"another process has held {lock_path} for {timeout_s:.0f} s") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
