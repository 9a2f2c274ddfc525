"""The `journey` command line: generate sample exports, run the nightly job, summarise."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from orchestration.config import landing_dir, warehouse_path


def _generate(args: argparse.Namespace) -> int:
    from orchestration.generator import generate

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
    import dagster as dg

    from orchestration.dbt_assets import full_refresh_run_config
    from orchestration.definitions import build_definitions

    landing = landing_dir(args.landing)
    warehouse = warehouse_path(args.warehouse)
    if not landing.is_dir():
        print(f"landing folder {landing} does not exist", file=sys.stderr)
        return 2
    started = time.perf_counter()
    defs = build_definitions(landing, warehouse)
    job = defs.resolve_job_def("nightly")
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={
                "loggers": {"console": {"config": {"log_level": args.log_level}}},
                **full_refresh_run_config(args.full_refresh),
            },
        )
    seconds = time.perf_counter() - started
    if not result.success:
        for event in result.all_events:
            if event.is_failure and event.event_specific_data is not None:
                error = getattr(event.event_specific_data, "error", None)
                if error is not None:
                    print(f"{event.step_key}: {error.message.strip()}", file=sys.stderr)
        print(f"nightly job FAILED after {seconds:.1f}s; warehouse {warehouse}", file=sys.stderr)
        return 1
    print(f"nightly job succeeded in {seconds:.1f}s; warehouse {warehouse}")
    return 0


def _summary(args: argparse.Namespace) -> int:
    from orchestration.summary import print_summary

    return print_summary(warehouse_path(args.warehouse))


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
    run.add_argument("--warehouse", default=None, help="DuckDB file (env JOURNEY_WAREHOUSE)")
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
    run.set_defaults(handler=_run)

    summary = commands.add_parser("summary", help="rows per table and where things are")
    summary.add_argument("--warehouse", default=None)
    summary.set_defaults(handler=_summary)
    attribution = commands.add_parser(
        "attribution", help="Markov / Shapley attribution of a path file"
    )
    attribution.add_argument("--paths", required=True, help="path;total_conversions;... file")
    attribution.add_argument("--model", choices=("markov", "shapley", "both"), default="both")
    attribution.set_defaults(handler=_attribution)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
