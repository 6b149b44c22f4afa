"""The `s1mm` command: run partitions, serve the Dagster UI, query the lake with SQL, verify releases, extract figures
from files, show the effective settings, list what a source holds for a month, plan what a run costs on a cluster."""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from fsspec import AbstractFileSystem

from s1mm_assets.lib.analytics import format_rows, query
from s1mm_assets.lib.lake import Lake, PartitionMissing
from s1mm_assets.lib.progress import track
from s1mm_assets.lib.release.dataset import is_dataset_folder, release_folders, verify_dataset
from s1mm_assets.lib.release.manifest import MANIFEST_NAME, verify_release
from s1mm_assets.lib.settings import SettingsError, load_settings, project_root
from s1mm_assets.lib.sources import SOURCES

DEMO_MONTHS = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="s1mm", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    sql = commands.add_parser(
        "sql", help="run a SQL query over the lake's views (the DuckDB file that `duckdb $S1MM_HOME/s1mm.duckdb` opens)"
    )
    sql.add_argument("query")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")

    verify = commands.add_parser("verify", help="check release folders against their manifests")
    verify.add_argument(
        "path", help="a release folder, or a folder holding several: a local path, or a URL on the lake's storage"
    )

    materialize = commands.add_parser("materialize", help="run the whole pipeline for partitions")
    materialize.add_argument("--source", action="append", choices=SOURCES, help="default: every source")
    materialize.add_argument("--month", action="append", required=True, help="YYYY-MM; repeatable")
    materialize.add_argument(
        "--no-report", action="store_true", help="do not refresh the dataset report after the partitions"
    )

    demo = commands.add_parser("demo", help="materialize the sample partitions of the last complete months")
    demo.add_argument("--months", type=int, default=DEMO_MONTHS)

    extract = commands.add_parser(
        "extract", help="extract figures, captions and citations from papers on disk, one JSON line per figure"
    )
    extract.add_argument("paths", nargs="+", type=Path, help="bundles (.tar.gz, .zip, .pdf, .xml, ...) or folders")
    extract.add_argument("--out", type=Path, default=Path("s1mm-extract"), help="where the images are written")
    extract.add_argument("--dpi", type=int, default=150, help="resolution of rendered PDF and vector figures")

    plan = commands.add_parser(
        "plan",
        help="what a run costs on a cluster (core-hours, GPU-hours, storage, downloads, time), from benchmark results",
    )
    plan.add_argument("--papers", type=int, required=True)
    plan.add_argument("--gpus", type=int, required=True)
    plan.add_argument("--cpu-cores", type=int, required=True)
    plan.add_argument("--sources", nargs="+", choices=SOURCES, default=list(SOURCES), help="default: every source")
    plan.add_argument("--figures", type=int, help="the figures the papers yield, when known (S1-MMAlign: 15,500,000)")
    plan.add_argument("--usd-per-gb", type=float, help="requester-pays price of a downloaded GB")
    plan.add_argument(
        "--perplexity-fraction", type=float, default=1.0, help="share of figures given a pseudo-perplexity"
    )
    plan.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="replace a rate; repeatable")
    plan.add_argument("--results", type=Path, help="benchmark result files (default: bench/results of the checkout)")
    plan.add_argument("--assumptions", type=Path, help="default: bench/assumptions.json of the checkout")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")

    serve = commands.add_parser(
        "serve", help="the Dagster UI (and its daemon) on what is materialized; Ctrl-C stops it"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000)

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
    if arguments.command == "plan":
        return _plan(arguments)
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
        months = [_month(value) for value in arguments.month]
        return _materialize(arguments.source or list(SOURCES), months, report=not arguments.no_report)
    if arguments.command == "serve":
        return _serve(arguments.host, arguments.port)
    return _demo(arguments.months)


def _sql(sql: str, output_format: str) -> int:
    try:
        columns, rows = query(_lake(), sql, load_settings().storage.duckdb_path())
    except Exception as error:  # noqa: BLE001 - DuckDB raises many error classes; the user needs the message
        print(f"s1mm sql: {error}", file=sys.stderr)
        return 2
    print(format_rows(columns, rows, output_format))
    return 0


def _verify(target: str) -> int:
    """A dataset folder (its manifest of manifests, then every release), one release folder, or every release below
    a folder; on a local disk or object storage (a release there is read through its pointer, lib/lake.py)."""
    folder = _folder_to_verify(target)
    failed = 0
    if is_dataset_folder(folder):
        problems = verify_dataset(folder)
        failed += _print_outcome(
            target, problems, folder.published_folder(), lambda m: f"dataset of {m['n_releases']} releases"
        )
        keys = release_folders(folder)
    elif folder.published_folder().isfile(MANIFEST_NAME) or not folder.fs.isdir(folder.root):
        keys = [""]
    else:
        keys = [
            key
            for key in folder.published_folders("", MANIFEST_NAME)
            if not is_dataset_folder(folder.published_folder(key))
        ] or [""]
    for key in track(keys, "verifying releases"):
        files = folder.published_folder(key)
        problems = verify_release(files, _recorded_manifest_sha256(folder, key))
        failed += _print_outcome(
            "/".join(part for part in (target.rstrip("/"), key) if part),
            problems,
            files,
            lambda manifest: f"{len(manifest['files'])} files, {manifest.get('n_samples', '?')} samples",
        )
    return 1 if failed else 0


def _folder_to_verify(target: str) -> Lake:
    """The folder as a lake rooted there (what reads a published folder through its pointer); a URL on S3 is opened
    with the lake's endpoint and credentials."""
    storage = load_settings().storage
    return Lake(target, storage.storage_options(target) if target.startswith("s3://") else None)


def _print_outcome(name: str, problems: list, files: AbstractFileSystem, describe) -> int:
    if problems:
        print(f"FAILED {name}")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print(f"OK {name}: {describe(json.loads(files.cat_file(MANIFEST_NAME)))}", flush=True)
    return 0


def _recorded_manifest_sha256(folder: Lake, key: str) -> str | None:
    """The manifest hash the lake recorded at release time, when the folder is a release of this lake."""
    lake = _lake()
    if type(folder.fs) is not type(lake.fs):
        return None
    try:
        relative = _canonical(folder, key).relative_to(_canonical(lake, "")).parts
    except ValueError:
        return None
    if len(relative) != 3 or relative[0] != "releases":
        return None
    try:
        rows = lake.read_table("releases", relative[1], relative[2]).to_pylist()
    except PartitionMissing:
        return None
    return rows[0]["manifest_sha256"] if rows else None


def _canonical(lake: Lake, relative: str) -> PurePosixPath:
    path = lake.path(relative).rstrip("/")
    return Path(path).resolve() if lake.is_local else PurePosixPath(path)


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
    jobs = (PaperJob(paper.name, path=str(paper.absolute())) for paper, _ in papers)
    with Sandbox(load_settings().extraction, dpi=dpi) as sandbox:
        for (paper, folder), outcome in zip(papers, sandbox.extract(jobs), strict=True):
            name = valid_text(str(paper))
            if outcome.extraction is None:
                record = {"paper": name, "problem": outcome.reason, "error": outcome.detail}
                print(json.dumps(record, ensure_ascii=False), file=sys.stderr, flush=True)
                continue
            for figure in outcome.extraction.figures:
                image_path, digest = write_image(figure, out / folder)
                record = figure_record(paper, figure, image_path, digest)
                record.update(paper=name, image_path=valid_text(record["image_path"]))
                print(json.dumps(record, ensure_ascii=False), flush=True)
            for problem in outcome.extraction.problems:
                record = {"paper": name, "figure": problem.figure_key, "problem": problem.reason}
                print(json.dumps({**record, "detail": problem.detail}, ensure_ascii=False), file=sys.stderr)
    return 0


def _plan(arguments: argparse.Namespace) -> int:
    from s1mm_assets.lib.plan.model import Cluster, make_plan
    from s1mm_assets.lib.plan.rates import load_rates
    from s1mm_assets.lib.plan.report import as_json, as_text

    overrides = {}
    for assignment in arguments.set:
        name, _, value = assignment.partition("=")
        try:
            overrides[name.strip()] = float(value)
        except ValueError:
            print(f"s1mm plan: --set wants NAME=NUMBER, got {assignment!r}", file=sys.stderr)
            return 2
    if arguments.usd_per_gb is not None:
        overrides["download.usd_per_gb"] = arguments.usd_per_gb
    bench = project_root() / "bench"
    try:
        rates = load_rates(
            arguments.results or bench / "results", arguments.assumptions or bench / "assumptions.json", overrides
        )
        plan = make_plan(
            Cluster(
                papers=arguments.papers,
                gpus=arguments.gpus,
                cpu_cores=arguments.cpu_cores,
                sources=tuple(dict.fromkeys(arguments.sources)),
                figures=arguments.figures,
                perplexity_fraction=arguments.perplexity_fraction,
            ),
            rates,
        )
    except (ValueError, KeyError, OSError) as error:
        print(f"s1mm plan: {error}", file=sys.stderr)
        return 2
    print(json.dumps(as_json(plan), indent=2) if arguments.json else as_text(plan))
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
    storage = load_settings().storage
    return Lake(storage.lake_url(), storage.storage_options())


def _month(value: str) -> str:
    try:
        return datetime.datetime.strptime(value[:7], "%Y-%m").strftime("%Y-%m")
    except ValueError:
        raise SystemExit(f"s1mm: month must look like 2024-03, got {value!r}") from None


def _materialize(sources: Sequence[str], months: Sequence[str], report: bool = True) -> int:
    import dagster as dg

    from s1mm_assets.definitions import defs
    from s1mm_assets.defs.jobs import DATASET_REPORT_JOB, PIPELINE_JOB
    from s1mm_assets.defs.partitions import partition_key
    from s1mm_assets.defs.quality_scores.checks import QUALITY_CHECK_SPECS

    prepare_dagster_home()
    job = defs.resolve_job_def(PIPELINE_JOB)
    # Step-by-step event logs stay in the instance (and the UI); the terminal gets one line per partition, which
    # names the checks that were not measured. Dagster's own warning for each of those ("Blocking asset check ...
    # emitted no result ...") would only repeat it in its words, twice per partition.
    quiet = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    logging.getLogger("dagster._core.execution.plan.active").setLevel(logging.ERROR)
    gate_checks = {spec.name for spec in QUALITY_CHECK_SPECS}
    failures = 0
    partitions = [(month, source) for month in months for source in sources]
    with dg.DagsterInstance.get() as instance:
        for month, source in track(partitions, "materializing partitions"):
            key = str(partition_key(source, month))
            result = job.execute_in_process(
                partition_key=key, instance=instance, raise_on_error=False, run_config=quiet
            )
            failed_checks = [
                evaluation.check_name for evaluation in result.get_asset_check_evaluations() if not evaluation.passed
            ]
            not_measured = sorted(gate_checks - {e.check_name for e in result.get_asset_check_evaluations()})
            status = "ok" if result.success and not failed_checks else "FAILED"
            detail = f" (failed checks: {', '.join(failed_checks)})" if failed_checks else ""
            detail += f" (not measured: {', '.join(not_measured)})" if not_measured and result.success else ""
            print(f"{status:6} {key:32} run {result.run_id}{detail}", flush=True)
            failures += status != "ok"
        if report:
            result = defs.resolve_job_def(DATASET_REPORT_JOB).execute_in_process(
                instance=instance, raise_on_error=False, run_config=quiet
            )
            status = "ok" if result.success else "FAILED"
            print(f"{status:6} {'dataset_report':32} run {result.run_id}", flush=True)
            failures += not result.success
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
    print(f"Dataset card and charts: {lake.path('releases/README.md')}, {lake.path('releases/charts')}")
    print('Try:  .venv/bin/s1mm sql "select * from partition_summary order by source, month"')
    print(f"      .venv/bin/duckdb -readonly {load_settings().storage.duckdb_path()}   (or any DuckDB client)")
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
    _show_automation_as_on(home)
    return home


def _show_automation_as_on(home: Path) -> None:
    """The UI's "Auto-materialize off/on" badge reads a switch from before automation ran as sensors, off until
    someone turns it on; our automation is the `release_automation` sensor, which that switch does not stop. Turned
    on once, so the badge says what happens. Turning the sensor off in the UI (Automation) is what stops it."""
    import dagster as dg
    from dagster._daemon.asset_daemon import get_auto_materialize_paused, set_auto_materialize_paused

    marker = home / ".automation-badge-on"
    if marker.exists():
        return
    with dg.DagsterInstance.from_config(str(home)) as instance:
        if get_auto_materialize_paused(instance):
            set_auto_materialize_paused(instance, False)
    marker.touch()


def _serve(host: str, port: int) -> int:
    """`dagster dev` on the project's workspace. Ctrl-C (or SIGTERM) shuts it down through its shutdown pipe, so
    the webserver, daemon and code server stop cleanly and the command exits 0, rather than each process catching
    the interrupt on its own (tracebacks, a non-zero exit that `make` reports as an error)."""
    import threading

    from dagster_shared.ipc import get_ipc_shutdown_pipe, send_ipc_shutdown_message

    prepare_dagster_home()
    # Before the child starts, which inherits an ignored SIGINT (a shell's `s1mm serve &` ignores it) and would then
    # ignore the interrupt its shutdown pipe sends itself.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    read_fd, write_fd = get_ipc_shutdown_pipe()
    command = [str(Path(sys.executable).with_name("dagster")), "dev", "-w", "workspace.yaml"]
    command += ["-h", host, "-p", str(port), "--shutdown-pipe", str(read_fd)]
    print(f"Dagster UI on http://{host}:{port} (Ctrl-C stops it)", flush=True)
    print(f"The lineage with every group open: http://{host}:{port}{lineage_path()}", flush=True)
    # its own session: a Ctrl-C typed in this terminal reaches this process only, which then stops it as a whole
    process = subprocess.Popen(
        command,
        cwd=project_root(),
        pass_fds=[read_fd],
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    os.close(read_fd)
    stopping = threading.Event()
    relay = threading.Thread(target=_relay_output, args=(process.stdout, stopping), daemon=True)
    relay.start()
    try:
        return process.wait()
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the shutdown short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stopping.set()
        print("Stopping the Dagster UI ...", flush=True)
        send_ipc_shutdown_message(write_fd)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            # the webserver, daemon and code server share its process group (its session)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            print("The Dagster UI did not stop within 120 s and was killed.", flush=True)
            return 1
        relay.join(timeout=10)
        print("Stopped.", flush=True)
        return 0


def _relay_output(stream, stopping) -> None:
    """Dagster's output to ours as it comes, less the "Aborted!" its daemon prints when told to stop: that is the
    clean shutdown asked for, not an abort."""
    for line in iter(stream.readline, b""):
        if stopping.is_set() and line.strip() == b"Aborted!":
            continue
        sys.stdout.buffer.write(line)
        sys.stdout.buffer.flush()


def lineage_path() -> str:
    """The UI's global lineage with every group expanded (it opens them collapsed otherwise)."""
    from urllib.parse import quote

    from s1mm_assets.defs.groups import IN_PIPELINE_ORDER

    return "/asset-groups?expanded=" + quote(",".join(f"global@global:{group}" for group in IN_PIPELINE_ORDER))


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


# Commands that only read and print: nothing of theirs needs Python's shutdown.
_QUICK_COMMANDS = {"sql", "verify", "extract", "config", "sources", "plan"}


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
