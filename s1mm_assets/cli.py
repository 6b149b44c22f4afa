"""The `s1mm` command: run partitions, query the lake with SQL, verify releases, extract figures from files, show
the effective settings, list what a source holds for a month."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from s1mm_assets.lib.analytics import format_rows, query
from s1mm_assets.lib.lake import Lake, PartitionMissing, is_temporary
from s1mm_assets.lib.release.manifest import MANIFEST_NAME, verify_release
from s1mm_assets.lib.settings import SettingsError, load_settings, project_root
from s1mm_assets.lib.sources import SOURCES

DEMO_MONTHS = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="s1mm", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    sql = commands.add_parser("sql", help="run a SQL query over the lake's tables (DuckDB)")
    sql.add_argument("query")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")

    verify = commands.add_parser("verify", help="check release folders against their manifests")
    verify.add_argument("path", type=Path, help="a release folder, or a folder holding several")

    materialize = commands.add_parser("materialize", help="run the whole pipeline for partitions")
    materialize.add_argument("--source", action="append", choices=SOURCES, help="default: every source")
    materialize.add_argument("--month", action="append", required=True, help="YYYY-MM; repeatable")

    demo = commands.add_parser("demo", help="materialize the sample partitions of the last complete months")
    demo.add_argument("--months", type=int, default=DEMO_MONTHS)

    extract = commands.add_parser(
        "extract", help="extract figures, captions and citations from papers on disk, one JSON line per figure"
    )
    extract.add_argument("paths", nargs="+", type=Path, help="bundles (.tar.gz, .zip, .pdf, .xml, ...) or folders")
    extract.add_argument("--out", type=Path, default=Path("s1mm-extract"), help="where the images are written")
    extract.add_argument("--dpi", type=int, default=150, help="resolution of rendered PDF and vector figures")

    config = commands.add_parser("config", help="print the effective settings and where each value came from")
    config.add_argument("--format", choices=("table", "json", "toml", "markdown"), default="table")

    sources = commands.add_parser("sources", help="what the paper sources hold, without fetching anything")
    source_commands = sources.add_subparsers(dest="sources_command", required=True)
    listing = source_commands.add_parser(
        "list",
        help="list a partition as the configured backend would (S1MM_SOURCE_BACKEND): counts by status and "
        "licence, what a run would fetch, sizes where announced, notes; nothing is fetched or written",
    )
    listing.add_argument("--source", choices=SOURCES, required=True)
    listing.add_argument("--month", required=True, help="YYYY-MM")
    listing.add_argument("--limit", type=int, help="stop after N papers (default: S1MM_SOURCE_PAPER_CAP; 0: all)")
    listing.add_argument("--format", choices=("table", "json"), default="table")

    arguments = parser.parse_args(argv)
    try:
        return _run_command(arguments)
    except SettingsError as error:
        print(f"s1mm: configuration: {error}", file=sys.stderr)
        return 2


def _run_command(arguments: argparse.Namespace) -> int:
    if arguments.command == "sql":
        return _sql(arguments.query, arguments.format)
    if arguments.command == "verify":
        return _verify(arguments.path)
    if arguments.command == "extract":
        return _extract(arguments.paths, arguments.out, arguments.dpi)
    if arguments.command == "config":
        from s1mm_assets.lib.settings_report import describe

        print(describe(load_settings(), arguments.format))
        return 0
    if arguments.command == "sources":
        return _sources_list(arguments.source, _month(arguments.month), arguments.limit, arguments.format)
    if arguments.command == "materialize":
        return _materialize(arguments.source or list(SOURCES), [_month(value) for value in arguments.month])
    return _demo(arguments.months)


def _sql(sql: str, output_format: str) -> int:
    try:
        columns, rows = query(_lake(), sql)
    except Exception as error:  # noqa: BLE001 - DuckDB raises many error classes; the user needs the message
        print(f"s1mm sql: {error}", file=sys.stderr)
        return 2
    print(format_rows(columns, rows, output_format))
    return 0


def _verify(path: Path) -> int:
    folders = (
        sorted(
            {
                manifest.parent
                for manifest in path.rglob(MANIFEST_NAME)
                if not any(is_temporary(part) for part in manifest.parts)
            }
        )
        if path.is_dir()
        else []
    )
    if (path / MANIFEST_NAME).exists() or not folders:
        folders = [path]
    failed = 0
    for folder in folders:
        problems = verify_release(folder, _recorded_manifest_sha256(folder))
        if problems:
            failed += 1
            print(f"FAILED {folder}")
            for problem in problems:
                print(f"  {problem}")
        else:
            manifest = json.loads((folder / MANIFEST_NAME).read_bytes())
            print(f"OK {folder}: {len(manifest['files'])} files, {manifest.get('n_samples', '?')} samples")
    return 1 if failed else 0


def _recorded_manifest_sha256(folder: Path) -> str | None:
    """The manifest hash the lake recorded at release time, when the folder is a release of this lake."""
    lake = _lake()
    if not lake.is_local:
        return None
    try:
        relative = folder.resolve().relative_to(Path(lake.root).resolve()).parts
    except ValueError:
        return None
    if len(relative) != 3 or relative[0] != "releases":
        return None
    try:
        rows = lake.read_table("releases", relative[1], relative[2]).to_pylist()
    except PartitionMissing:
        return None
    return rows[0]["manifest_sha256"] if rows else None


def _extract(paths: Sequence[Path], out: Path, dpi: int) -> int:
    """Figures as JSON lines on stdout; a paper that fails, and each figure left out, as JSON on stderr. Each paper
    is extracted in a sandbox worker held to the extraction limits (`s1mm config`)."""
    from s1mm_assets.lib.extract.batch import figure_record, find_papers, write_image
    from s1mm_assets.lib.extract.sandbox import PaperJob, Sandbox
    from s1mm_assets.lib.text import valid_text

    try:
        papers = list(find_papers(list(paths)))
    except FileNotFoundError as error:
        print(json.dumps({"error": valid_text(str(error))}), file=sys.stderr)
        return 2
    jobs = (PaperJob(paper.name, path=str(paper.absolute())) for paper in papers)
    with Sandbox(load_settings().extraction, dpi=dpi) as sandbox:
        for paper, outcome in zip(papers, sandbox.extract(jobs), strict=True):
            name = valid_text(str(paper))
            if outcome.extraction is None:
                record = {"paper": name, "problem": outcome.reason, "error": outcome.detail}
                print(json.dumps(record, ensure_ascii=False), file=sys.stderr, flush=True)
                continue
            for figure in outcome.extraction.figures:
                image_path, digest = write_image(figure, out, paper)
                record = figure_record(paper, figure, image_path, digest)
                record.update(paper=name, image_path=valid_text(record["image_path"]))
                print(json.dumps(record, ensure_ascii=False), flush=True)
            for problem in outcome.extraction.problems:
                record = {"paper": name, "figure": problem.figure_key, "problem": problem.reason}
                print(json.dumps({**record, "detail": problem.detail}, ensure_ascii=False), file=sys.stderr)
    return 0


def _sources_list(source: str, month: str, limit: int | None, output_format: str) -> int:
    """The partition's listing as `paper_listing` would record it and what `raw_papers` would then fetch."""
    import contextlib

    from s1mm_assets.lib.sources.backends import open_source
    from s1mm_assets.lib.sources.listing import newer_versions
    from s1mm_assets.lib.stages.paper_listing import listing_row, listing_summary
    from s1mm_assets.lib.stages.raw_papers import select_for_fetch

    settings = load_settings()
    backend = settings.sources.backend_for(source)
    cap = settings.sources.source_paper_cap if limit is None else limit
    policy = settings.release_gate.license_policy
    rows, notes, complete = [], (), True
    try:
        with contextlib.closing(open_source(source, settings)) as connector:
            for page in connector.list_month(month, limit=cap or None):
                rows += [listing_row(paper, policy) for paper in page.papers]
                notes, complete = page.notes, page.complete
    except Exception as error:  # noqa: BLE001 - a service's failure, told to the user as such
        print(f"s1mm sources list: {source} {month}: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    superseded = newer_versions((row["paper_id"], row["version"]) for row in rows)
    rows = [row | {"superseded_by": superseded.get((row["paper_id"], row["version"]))} for row in rows]
    decided, wanted = select_for_fetch(rows, policy=policy, skip_excluded_licenses=backend == "live")
    held = _held_versions(source, month)
    summary = {
        "source": source,
        "month": month,
        "backend": backend,
        "limit": cap,
        "complete": complete,
        "notes": list(notes),
        **listing_summary(rows),
        "license_policy": policy,
        "left_out_by_license": sum(row.get("reason") == "license_not_allowed" for row in decided.values()),
        "not_available": sum(row["status"] != "available" for row in wanted),
        "already_in_lake": sum((row["paper_id"], row["version"]) in held for row in wanted),
    }
    summary["would_fetch"] = len(wanted) - summary["not_available"] - summary["already_in_lake"]
    print(json.dumps(summary, indent=1) if output_format == "json" else _listing_table(summary))
    return 0


def _held_versions(source: str, month: str) -> set[tuple[str, str]]:
    """(paper, version) the lake already holds a bundle of for the partition, from an earlier run."""
    try:
        rows = _lake().read_table("fetches", source, month).to_pylist()
    except PartitionMissing:
        return set()
    return {(row["paper_id"], row["fetched_version"]) for row in rows if row["status"] in ("fetched", "unchanged")}


def _listing_table(summary: dict) -> str:
    state = "complete" if summary["complete"] else f"stopped at {summary['limit']} papers (--limit)"
    lines = [f"{summary['source']} {summary['month']} ({summary['backend']}): {summary['listed']} listed, {state}"]
    lines += [f"note: {note}" for note in summary["notes"]]
    lines.append("by status:")
    lines += [f"  {status:<20} {count:>7}" for status, count in summary["by_status"].items()]
    lines.append(f"by licence (release policy {summary['license_policy']}):")
    lines += [
        f"  {entry['license_id']:<28} {entry['papers']:>7}  {'allowed' if entry['allowed'] else 'not allowed'}"
        for entry in summary["by_license"]
    ]
    lines.append(
        f"would fetch: {summary['would_fetch']} (left out by licence {summary['left_out_by_license']}, "
        f"nothing to fetch yet {summary['not_available']}, already in the lake {summary['already_in_lake']})"
    )
    known = summary["listed"] - summary["papers_without_size"]
    size = f"{summary['expected_bytes'] / 1e6:.1f} MB announced for {known} papers"
    lines.append(f"sizes: {size}; {summary['papers_without_size']} papers announce none before the download")
    return "\n".join(lines)


def _lake() -> Lake:
    return Lake(load_settings().storage.lake_url())


def _month(value: str) -> str:
    try:
        return datetime.datetime.strptime(value[:7], "%Y-%m").strftime("%Y-%m")
    except ValueError:
        raise SystemExit(f"s1mm: month must look like 2024-03, got {value!r}") from None


def _materialize(sources: Sequence[str], months: Sequence[str]) -> int:
    import dagster as dg

    from s1mm_assets.definitions import defs
    from s1mm_assets.defs.partitions import partition_key

    prepare_dagster_home()
    job = defs.resolve_job_def("s1mm_pipeline")
    # Step-by-step event logs stay in the instance (and the UI); the terminal gets one line per partition.
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    failures = 0
    with dg.DagsterInstance.get() as instance:
        for month in months:
            for source in sources:
                key = str(partition_key(source, month))
                result = job.execute_in_process(
                    partition_key=key, instance=instance, raise_on_error=False, run_config=quiet
                )
                failed_checks = [
                    evaluation.check_name
                    for evaluation in result.get_asset_check_evaluations()
                    if not evaluation.passed
                ]
                status = "ok" if result.success and not failed_checks else "FAILED"
                detail = f" (failed checks: {', '.join(failed_checks)})" if failed_checks else ""
                print(f"{status:6} {key:32} run {result.run_id}{detail}", flush=True)
                failures += status != "ok"
    return 1 if failures else 0


def _demo(months: int) -> int:
    today = datetime.date.today().replace(day=1)
    demo_months = []
    for _ in range(months):
        today = (today - datetime.timedelta(days=1)).replace(day=1)
        demo_months.append(today.strftime("%Y-%m"))
    print(f"Materializing the sample corpus for {', '.join(sorted(demo_months))} x {', '.join(SOURCES)}", flush=True)
    status = _materialize(list(SOURCES), sorted(demo_months))
    lake = _lake()
    counts = ", ".join(
        f"{table} {rows[0][0]}"
        for table in ("papers", "figures", "contexts", "captions", "quality")
        for rows in [query(lake, f"select count(*) from {table}")[1]]
    )
    _, released = query(lake, "select count(*), coalesce(sum(n_samples), 0) from releases")
    _, quarantined = query(lake, "select count(*) from quarantine")
    print()
    print(f"Rows per stage: {counts}")
    print(f"Released: {released[0][1]} samples in {released[0][0]} shards under {lake.path('releases')}")
    print(
        f"Quarantined: {quarantined[0][0]} items, by reason: "
        '.venv/bin/s1mm sql "select stage, reason, count(*) from quarantine group by all"'
    )
    print('Try:  .venv/bin/s1mm sql "select source, count(*) as figures from figures group by source order by source"')
    print(f"      .venv/bin/s1mm verify {lake.path('releases')}")
    return status


def prepare_dagster_home() -> Path:
    """DAGSTER_HOME under S1MM_HOME unless set, with the project's instance settings on first use."""
    home = load_settings().storage.dagster_home_path()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)
    template = project_root() / "deployment" / "local" / "dagster.yaml"
    if not (home / "dagster.yaml").exists() and template.exists():
        shutil.copyfile(template, home / "dagster.yaml")
    return home


# Commands that only read and print: nothing of theirs needs Python's shutdown.
_QUICK_COMMANDS = {"sql", "verify", "extract", "config", "sources"}


def run() -> None:
    """The `s1mm` console script. The quick commands leave with `os._exit` once their output is flushed:
    under load, the native libraries loaded by then (pyarrow, DuckDB) aborted the interpreter's shutdown about
    once in a hundred runs ("terminate called without an active exception", SIGABRT) after the command had
    finished, turning a clean `s1mm verify` into exit code 134. `materialize` and `demo` exit normally: Dagster's
    instance cleans up at shutdown."""
    code = main()
    if len(sys.argv) > 1 and sys.argv[1] in _QUICK_COMMANDS:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
