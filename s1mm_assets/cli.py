"""The `s1mm` command: run partitions, query the lake with SQL, verify releases, extract figures from files, plan
what a run costs on a cluster."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from s1mm_assets.lib import settings
from s1mm_assets.lib.analytics import format_rows, query
from s1mm_assets.lib.lake import Lake, PartitionMissing, is_temporary
from s1mm_assets.lib.release.manifest import MANIFEST_NAME, verify_release
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

    arguments = parser.parse_args(argv)
    if arguments.command == "plan":
        return _plan(arguments)
    if arguments.command == "sql":
        return _sql(arguments.query, arguments.format)
    if arguments.command == "verify":
        return _verify(arguments.path)
    if arguments.command == "extract":
        return _extract(arguments.paths, arguments.out, arguments.dpi)
    if arguments.command == "materialize":
        return _materialize(arguments.source or list(SOURCES), [_month(value) for value in arguments.month])
    return _demo(arguments.months)


def _sql(sql: str, output_format: str) -> int:
    try:
        columns, rows = query(Lake(settings.lake_root()), sql)
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
    lake = Lake(settings.lake_root())
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
    """Figures as JSON lines on stdout; a paper that fails, and each figure left out, as JSON on stderr."""
    from s1mm_assets.lib.extract.batch import extract_path, figure_record, find_papers, write_image

    try:
        papers = list(find_papers(list(paths)))
    except FileNotFoundError as error:
        print(json.dumps({"error": str(error)}), file=sys.stderr)
        return 2
    for paper in papers:
        try:
            extraction = extract_path(paper, dpi=dpi)
        except Exception as error:  # noqa: BLE001 - one bad paper must not stop the run
            print(json.dumps({"paper": str(paper), "error": f"{type(error).__name__}: {error}"}), file=sys.stderr)
            continue
        for figure in extraction.figures:
            image_path, digest = write_image(figure, out, paper)
            print(json.dumps(figure_record(paper, figure, image_path, digest), ensure_ascii=False), flush=True)
        for problem in extraction.problems:
            record = {"paper": str(paper), "figure": problem.figure_key, "problem": problem.reason}
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
    bench = settings.project_root() / "bench"
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
    lake = Lake(settings.lake_root())
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
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)
    template = settings.project_root() / "deployment" / "local" / "dagster.yaml"
    if not (home / "dagster.yaml").exists() and template.exists():
        shutil.copyfile(template, home / "dagster.yaml")
    return home


# Commands that only read and print: nothing of theirs needs Python's shutdown.
_QUICK_COMMANDS = {"sql", "verify", "extract", "plan"}


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
