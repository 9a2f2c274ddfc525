"""The `journey` command line: generate sample exports, run the nightly job, summarise, analyse."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration import progress
from orchestration.config import landing_dir, published_path, warehouse_path

if TYPE_CHECKING:
    from orchestration.clv import ClvReport


def _generate(args: argparse.Namespace) -> int:
    from orchestration.generator import generate

    with progress.to_console():
        summary = generate(
            out_dir=Path(args.out).resolve(),
            customers=args.customers,
            days=args.days,
            seed=args.seed,
            start=args.start,
            ga4_format=args.format,
        )
    by_folder: dict[str, int] = {}
    for relative, size in summary.files.items():
        folder = relative.split("/")[0]
        by_folder[folder] = by_folder.get(folder, 0) + size
    print(f"wrote {summary.out_dir} in {summary.seconds:.1f}s")
    for name, rows in summary.rows.items():
        print(f"  {name:<40}{rows:>12,} rows")
    for folder, size in sorted(by_folder.items()):
        print(f"  {folder + '/':<40}{size / 1e6:>12,.1f} MB")
    rate = summary.ga4_events / max(summary.seconds, 1e-9) * 60
    print(
        f"  GA4: {summary.ga4_events:,} events (+{summary.ga4_late_events:,} late, in "
        f"redelivery/), {rate:,.0f} events/minute; total {summary.bytes_written / 1e6:,.1f} MB"
    )
    return 0


def _run(args: argparse.Namespace) -> int:
    from orchestration.report import default_out_dir
    from orchestration.runner import report, run_nightly

    landing = landing_dir(args.landing)
    warehouse = warehouse_path(args.warehouse)
    published = published_path(args.published, warehouse)
    if not landing.is_dir():
        print(f"landing folder {landing} does not exist", file=sys.stderr)
        return 2
    with progress.to_console():
        outcome = run_nightly(
            landing,
            warehouse,
            published,
            publish=not args.no_publish,
            skip_unit_tests=args.skip_unit_tests,
            full_refresh=args.full_refresh,
            build_all=args.build_all,
            log_level=args.log_level,
        )
    report(outcome, warehouse, published)
    journey_report = default_out_dir(warehouse) / "index.html"
    if outcome.success and journey_report.exists():
        print(f"journey report: file://{journey_report}")
    return 0 if outcome.success else 1


def _forget(args: argparse.Namespace) -> int:
    from orchestration.loaders.landing import connect
    from orchestration.privacy import compact, forget, remaining_rows
    from orchestration.recovery import RunInProgressError, acquire_run_lock, release_run_lock
    from orchestration.runner import report, run_nightly

    landing = landing_dir(args.landing)
    warehouse = warehouse_path(args.warehouse)
    published = published_path(args.published, warehouse)
    if not warehouse.exists():
        print(f"no working file at {warehouse}: nothing to forget", file=sys.stderr)
        return 2
    try:
        acquire_run_lock(warehouse)
    except RunInProgressError as error:
        print(error, file=sys.stderr)
        return 2
    try:
        con = connect(warehouse)
        try:
            result = forget(con, warehouse, args.email)
            con.execute("checkpoint")
        finally:
            con.close()
        print(f"forget {result.email}: {result.summary()}")
        outcome = run_nightly(
            landing,
            warehouse,
            published,
            skip_unit_tests=args.skip_unit_tests,
            # incremental models keep events outside their lookback: rebuild them without the person
            full_refresh=True,
            # the marts file's freed blocks may still hold the person: publish a fresh copy
            rewrite_published=True,
            trigger="journey forget",
            log_level=args.log_level,
        )
        report(outcome, warehouse, published)
        compact(warehouse)
        con = connect(warehouse)
        try:
            left = {t: n for t, n in remaining_rows(con).items() if n}
        finally:
            con.close()
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        release_run_lock(warehouse)
    if left:
        print(f"raw rows still matching the tombstones: {left}", file=sys.stderr)
        return 1
    if not outcome.success:
        print(
            "the person is deleted from raw and tombstoned, but the rebuild failed: the working "
            "models and the published file keep the previous version until a run succeeds",
            file=sys.stderr,
        )
        return 1
    print(f"forgotten everywhere: raw, working models (rebuilt, file compacted) and {published}")
    return 0


def _summary(args: argparse.Namespace) -> int:
    from orchestration.summary import print_summary

    warehouse = warehouse_path(args.warehouse)
    return print_summary(warehouse, published_path(args.published, warehouse))


def _spark_raw(args: argparse.Namespace) -> int:
    import os

    from orchestration.spark.raw_export import export_raw_to_spark
    from orchestration.spark.session import SPARK_DIR_ENV, spark_dir

    if args.spark_dir:
        os.environ[SPARK_DIR_ENV] = str(Path(args.spark_dir).resolve())
    counts = export_raw_to_spark(warehouse_path(args.warehouse), spark_dir())
    for table, rows in counts.items():
        print(f"raw.{table:<28} {rows:>10,} rows (Spark)")
    print(f"Spark raw layer under {spark_dir()}; next: dbt build --target spark")
    return 0


def _spark_dbt(args: argparse.Namespace) -> int:
    import os

    from orchestration.spark.python_models import dbt_spark
    from orchestration.spark.session import PROJECT_DIR, SPARK_DIR_ENV, spark_dir

    os.environ.setdefault(SPARK_DIR_ENV, str(spark_dir()))
    dbt_args = [a for a in args.dbt_args if a != "--"] or ["build"]
    if "--target" not in dbt_args:
        dbt_args += ["--target", "spark"]
    os.chdir(PROJECT_DIR)
    return 0 if dbt_spark(dbt_args) else 1


def _report(args: argparse.Namespace) -> int:
    from orchestration.report import build_report

    warehouse = warehouse_path(args.warehouse)
    try:
        result = build_report(warehouse, Path(args.out).resolve() if args.out else None)
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"journey report: {result.path} ({len(result.charts)} charts)")
    for section, note in result.notes.items():
        print(f"  {section}: {note}")
    print(f"open it in a browser: file://{result.path}")
    return 0


def _attribution(args: argparse.Namespace) -> int:
    from orchestration.attribution import (
        PathFileError,
        markov_attribution,
        read_path_file,
        shapley_attribution,
    )

    try:
        paths = read_path_file(args.paths)
    except (OSError, PathFileError) as error:
        print(error, file=sys.stderr)
        return 2
    results = []
    if args.model in ("markov", "both"):
        markov = markov_attribution(paths)
        print(f"markov: P(conversion) = {markov.conversion_probability:.6f}")
        results.append(("markov", markov.channels, markov.total_conversions))
    if args.model in ("shapley", "both"):
        shapley = shapley_attribution(paths)
        results.append(("shapley", shapley.channels, shapley.total_conversions))
    for model, channels, total in results:
        print(f"{model} ({total:,.2f} conversions)")
        print(f"  {'channel':<24}{'conversions':>14}{'value':>16}{'share':>10}")
        for name, row in sorted(channels.items(), key=lambda item: -item[1].share):
            print(f"  {name:<24}{row.conversions:>14,.2f}{row.value:>16,.2f}{row.share:>10.4f}")
    return 0


def _bench_attribution(args: argparse.Namespace) -> int:
    from orchestration.bench.attribution import time_attribution

    timing = time_attribution(paths=args.paths, channels=args.channels, seed=args.seed)
    print(
        f"attribution on {timing.paths:,} aggregated paths ({timing.distinct_paths:,} distinct, "
        f"{timing.channels} channels): markov {timing.markov_seconds:.2f}s, "
        f"shapley {timing.shapley_seconds:.2f}s (paths generated in {timing.generate_seconds:.1f}s)"
    )
    return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _bench_run(args: argparse.Namespace) -> int:
    from orchestration.bench.pipeline import BenchOptions, run_bench
    from orchestration.bench.report import format_table
    from orchestration.bench.scale import parse_count, scale_for

    try:
        scale = scale_for(parse_count(args.events), args.history_days, args.customers)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    options = BenchOptions(
        scale=scale,
        workdir=Path(args.workdir),
        ga4_format=args.format,
        seed=args.seed,
        unit_tests=args.unit_tests,
        markov_paths=args.markov_paths,
        peers=not args.no_peers,
        keep=args.keep,
        floor=not args.no_floor,
        reuse_generated=args.reuse_generated,
        nightly_runs=args.nightly_runs,
        json_path=Path(args.json) if args.json else None,
    )
    print(
        f"bench: {scale.events:,} events target = {scale.customers:,} customers x {scale.days} "
        f"days in {options.workdir.resolve()}",
        flush=True,
    )
    report = run_bench(options)
    print(format_table(report))
    if args.json:
        print(f"JSON: {Path(args.json).resolve()}")
    return 0 if report["derived"]["succeeded"] else 1


def _print_clv(report: ClvReport) -> None:
    b, g = report.bgnbd, report.gamma_gamma
    unit = report.time_unit
    print(
        f"{report.transactions:,} transactions, {len(report.summaries):,} customers; calibration "
        f"to {report.calibration_end}, observation to {report.observation_end}; time unit {unit}"
    )
    print(
        f"BG/NBD       r {b.params.r:.4f}  alpha {b.params.alpha:.4f}  a {b.params.a:.4f}  "
        f"b {b.params.b:.4f}"
    )
    print(
        f"             log-likelihood {b.log_likelihood:,.2f}  customers {b.n_customers:,}  "
        f"{b.seconds:.3f}s  {'converged' if b.converged else 'NOT CONVERGED: ' + b.message}"
    )
    print(f"Gamma-Gamma  p {g.params.p:.4f}  q {g.params.q:.4f}  gamma {g.params.gamma:.4f}")
    print(
        f"             log-likelihood {g.log_likelihood:,.2f}  customers {g.n_customers:,} "
        f"(x > 0)  {g.seconds:.3f}s  {'converged' if g.converged else 'NOT CONVERGED: ' + g.message}"
    )
    if g.n_excluded:
        print(f"             {g.n_excluded:,} repeat buyers with mean repeat value 0 left out")
    print(
        f"CLV over {report.horizon_months} months at {report.monthly_discount_rate:.2%} a month: "
        f"total {report.clv.sum():,.2f}, mean {report.clv.mean():,.2f} per customer"
    )
    if report.holdout is not None:
        h = report.holdout
        print(
            f"holdout ({h.length:.2f} {unit}): {h.actual_total:,} repeat purchases, expected "
            f"{h.expected_total:,.1f}; per customer MAE {h.mean_absolute_error:.3f}, "
            f"RMSE {h.root_mean_squared_error:.3f}"
        )


def _clv(args: argparse.Namespace) -> int:
    import json

    from orchestration.clv import TransactionFileError, clv_report, read_transactions, report_dict

    try:
        customer_ids, dates, amounts = read_transactions(args.transactions)
        report = clv_report(
            customer_ids,
            dates,
            amounts,
            calibration_end=args.calibration_end,
            observation_end=args.observation_end,
            time_unit=args.time_unit,
            horizon_months=args.horizon_months,
            monthly_discount_rate=args.discount,
        )
    except (OSError, TransactionFileError, ValueError) as error:
        print(error, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report_dict(report), indent=2))
    else:
        _print_clv(report)
    if not (report.bgnbd.converged and report.gamma_gamma.converged):
        print("a fit did not converge", file=sys.stderr)
        return 1
    return 0


def _conventions(args: argparse.Namespace) -> int:
    from orchestration.conventions import check_manifest_file
    from orchestration.dbt_assets import dbt_project, ensure_manifest

    ensure_manifest()
    violations = check_manifest_file(str(dbt_project.manifest_path))
    for violation in violations:
        print(violation, file=sys.stderr)
    if violations:
        print(
            f"{len(violations)} convention violation(s): see CONTRIBUTING in README",
            file=sys.stderr,
        )
        return 1
    print("every model follows the project conventions")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="journey", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser(
        "generate", help="write realistic sample exports of every source"
    )
    generate.add_argument("--out", required=True, help="landing folder to write")
    generate.add_argument("--customers", type=int, default=2000)
    generate.add_argument("--days", type=int, default=60)
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--start", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    generate.add_argument(
        "--format", choices=("json", "parquet", "both"), default="json", help="GA4 file format"
    )
    generate.set_defaults(handler=_generate)

    run = commands.add_parser("run", help="run the nightly job (load + dbt build) in-process")
    run.add_argument("--landing", default=None, help="landing folder (env JOURNEY_LANDING_DIR)")
    run.add_argument(
        "--warehouse", default=None, help="working DuckDB file (env JOURNEY_WAREHOUSE)"
    )
    run.add_argument(
        "--published",
        default=None,
        help="published DuckDB file BI reads (env JOURNEY_PUBLISHED; "
        "default published/<name> next to the working file)",
    )
    run.add_argument(
        "--no-publish",
        action="store_true",
        help="load, build and test only; leave the published file as it is",
    )
    run.add_argument(
        "--skip-unit-tests",
        action="store_true",
        help="leave out dbt unit tests (they test model SQL on fixtures, not the data)",
    )
    run.add_argument(
        "--log-level",
        default="INFO",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="Dagster console log level (default INFO)",
    )
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental models from scratch (dbt build --full-refresh)",
    )
    run.add_argument(
        "--build-all",
        action="store_true",
        help="build and test every model, also those no changed source reaches (by default they "
        "are left out when the code is unchanged since the last passing build)",
    )
    run.set_defaults(handler=_run)

    bench = commands.add_parser("bench", help="benchmarks that print numbers")
    bench_kinds = bench.add_subparsers(dest="bench", required=True)
    bench_attribution = bench_kinds.add_parser(
        "attribution", help="time exact Markov and Shapley on many aggregated paths"
    )
    bench_attribution.add_argument("--paths", type=int, default=1_000_000)
    bench_attribution.add_argument("--channels", type=int, default=8)
    bench_attribution.add_argument("--seed", type=int, default=1)
    bench_attribution.set_defaults(handler=_bench_attribution)
    bench_run = bench_kinds.add_parser(
        "run",
        help="generate a scale, time the floor, a full build and a nightly run; table + JSON",
    )
    bench_run.add_argument("--events", default="1M", help="GA4 events: 1M, 10M, 100M, 250K, ...")
    bench_run.add_argument(
        "--customers", type=int, default=None, help="override the customers derived from --events"
    )
    bench_run.add_argument("--history-days", type=int, default=90)
    bench_run.add_argument("--format", choices=("json", "parquet"), default="json")
    bench_run.add_argument("--seed", type=int, default=42)
    bench_run.add_argument("--workdir", default="bench_work", help="scratch folder (emptied)")
    bench_run.add_argument("--json", default=None, help="also write the report here as JSON")
    bench_run.add_argument(
        "--unit-tests", action="store_true", help="run dbt unit tests too (default: skipped)"
    )
    bench_run.add_argument("--markov-paths", type=int, default=1_000_000)
    bench_run.add_argument("--no-peers", action="store_true", help="skip lifetimes and Markov")
    bench_run.add_argument(
        "--keep",
        action="store_true",
        help="keep the generated data, the warehouse and a copy of it after the full build",
    )
    bench_run.add_argument(
        "--no-floor",
        action="store_true",
        help="skip the floor (raw read); the run reports no full build / floor ratio",
    )
    bench_run.add_argument(
        "--reuse-generated",
        action="store_true",
        help="reuse the workdir's generated data when a run with the same scale, seed and format "
        "left it (its recorded generation time is reported); keep it afterwards",
    )
    bench_run.add_argument(
        "--nightly-runs",
        type=_positive_int,
        default=1,
        help="run the nightly job this many times, each from a copy of the warehouse after the full "
        "build, and report the median (one more warehouse copy on disk)",
    )
    bench_run.set_defaults(handler=_bench_run)

    conventions = commands.add_parser(
        "conventions", help="check model naming, docs, tests and mart contracts (CI)"
    )
    conventions.set_defaults(handler=_conventions)
    forget = commands.add_parser(
        "forget",
        help="erase a person (by email) from raw, working and published data; tombstone them",
    )
    forget.add_argument("--email", required=True, help="the person's email address")
    forget.add_argument("--landing", default=None, help="landing folder (env JOURNEY_LANDING_DIR)")
    forget.add_argument("--warehouse", default=None, help="working DuckDB file")
    forget.add_argument("--published", default=None, help="published DuckDB file")
    forget.add_argument("--skip-unit-tests", action="store_true", help="as for journey run")
    forget.add_argument(
        "--log-level", default="WARNING", choices=("DEBUG", "INFO", "WARNING", "ERROR")
    )
    forget.set_defaults(handler=_forget)

    summary = commands.add_parser("summary", help="rows per table and where things are")
    summary.add_argument("--warehouse", default=None)
    summary.add_argument("--published", default=None)
    summary.set_defaults(handler=_summary)

    spark_raw = commands.add_parser(
        "spark-raw",
        help="copy the DuckDB raw layer to Parquet and register it in Spark (dbt target spark)",
    )
    spark_raw.add_argument("--warehouse", default=None, help="DuckDB file the loaders wrote")
    spark_raw.add_argument(
        "--spark-dir", default=None, help="Spark metastore + tables (env JOURNEY_SPARK_DIR)"
    )
    spark_raw.set_defaults(handler=_spark_raw)
    spark_dbt = commands.add_parser(
        "spark-dbt",
        help="run a dbt command on the spark target in this process (Python models run in the "
        "local SparkSession), e.g. journey spark-dbt build --select staging",
    )
    spark_dbt.add_argument("dbt_args", nargs=argparse.REMAINDER, help="dbt arguments")
    spark_dbt.set_defaults(handler=_spark_dbt)

    report = commands.add_parser(
        "report", help="write the static HTML journey report (charts from the marts)"
    )
    report.add_argument("--warehouse", default=None, help="DuckDB file (env JOURNEY_WAREHOUSE)")
    report.add_argument(
        "--out", default=None, help="folder for index.html (default <warehouse dir>/report)"
    )
    report.set_defaults(handler=_report)
    attribution = commands.add_parser(
        "attribution", help="Markov / Shapley attribution of a path file"
    )
    attribution.add_argument("--paths", required=True, help="path;total_conversions;... file")
    attribution.add_argument("--model", choices=("markov", "shapley", "both"), default="both")
    attribution.set_defaults(handler=_attribution)

    clv = commands.add_parser(
        "clv", help="fit BG/NBD and Gamma-Gamma to a transaction file; CLV and a fit report"
    )
    clv.add_argument(
        "--transactions",
        required=True,
        help="CSV customer_id,date,amount or a CDNOW whitespace file (master or sample)",
    )
    clv.add_argument(
        "--calibration-end",
        type=date.fromisoformat,
        default=None,
        help="YYYY-MM-DD; only purchases up to it are fitted (default: observation end)",
    )
    clv.add_argument(
        "--observation-end",
        type=date.fromisoformat,
        default=None,
        help="YYYY-MM-DD (default: calibration end, else the last transaction date); "
        "after the calibration end it makes a holdout check",
    )
    clv.add_argument("--time-unit", choices=("days", "weeks"), default="days")
    clv.add_argument("--horizon-months", type=int, default=12)
    clv.add_argument("--discount", type=float, default=0.01, help="monthly discount rate")
    clv.add_argument("--json", action="store_true", help="print the report as JSON")
    clv.set_defaults(handler=_clv)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
