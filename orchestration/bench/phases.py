"""One benchmark phase per process: `python -m orchestration.bench.phases PHASE --result FILE ...`.

Each phase runs in its own process so the harness can measure that phase's wall time and peak
memory (of the whole process tree) apart from the others; it writes what it measured as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

from orchestration.config import marts_file


def file_bytes(path: Path) -> int:
    """A DuckDB file's size with its write-ahead log."""
    wal = path.with_name(path.name + ".wal")
    return sum(p.stat().st_size for p in (path, wal) if p.exists())


def generate_phase(args: argparse.Namespace) -> dict[str, Any]:
    from orchestration.generator import generate

    summary = generate(
        out_dir=Path(args.out),
        customers=args.customers,
        days=args.days,
        seed=args.seed,
        ga4_format=args.format,
    )
    return {
        "seconds": summary.seconds,
        "ga4_events": summary.ga4_events,
        "rows": summary.rows,
        "bytes": summary.bytes_written,
    }


def _ga4_events(warehouse: Path) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("select count(*) from raw.ga4_events").fetchall()[0][0]
    finally:
        con.close()


def run_phase(args: argparse.Namespace) -> dict[str, Any]:
    """The nightly job in this process; stages from Dagster steps and dbt's run_results.json."""
    from orchestration.bench.timeline import dbt_layers, python_models, run_stages, slowest_nodes
    from orchestration.config import PROJECT_DIR
    from orchestration.runner import run_nightly

    warehouse, published = Path(args.warehouse), Path(args.published)
    outcome = run_nightly(
        Path(args.landing),
        warehouse,
        published,
        skip_unit_tests=not args.unit_tests,
        log_level="WARNING",
    )
    targets = sorted((PROJECT_DIR / "target").glob(f"journey-{outcome.run_id[:8]}-*"))
    results_file = targets[-1] / "run_results.json" if targets else None
    run_results = (
        json.loads(results_file.read_text()) if results_file and results_file.exists() else {}
    )
    layers = dbt_layers(run_results, python_models(PROJECT_DIR / "models"))
    return {
        "success": outcome.success,
        "errors": outcome.errors,
        "seconds": outcome.seconds,
        "steps": outcome.step_seconds,
        "stages": run_stages(outcome.step_seconds, layers),
        "dbt_layers": layers,
        "slowest_dbt_nodes": slowest_nodes(run_results),
        "ga4_events_in_raw": _ga4_events(warehouse),
        "warehouse_bytes": file_bytes(warehouse) + file_bytes(marts_file(warehouse)),
        "published_bytes": file_bytes(published),
    }


def _ga4_reader(files: list[Path]) -> str:
    from orchestration.loaders.formats import GA4
    from orchestration.loaders.ga4_reader import MAX_OBJECT_SIZE, ga4_json_columns
    from orchestration.loaders.sql import quote_list

    names = quote_list(files)
    if all(f.name.endswith(".parquet") for f in files):
        return f"read_parquet({names})"
    return (
        f"read_json({names}, format = 'newline_delimited', columns = {ga4_json_columns(GA4)}, "
        f"maximum_object_size = {MAX_OBJECT_SIZE})"
    )


def floor_phase(args: argparse.Namespace) -> dict[str, Any]:
    """DuckDB reading the same landing files into tables, no transformation: the floor."""
    from orchestration.loaders.formats import Ga4Source
    from orchestration.loaders.sources import all_sources, files_of
    from orchestration.loaders.sql import quote_list

    database = Path(args.database)
    database.unlink(missing_ok=True)
    started = time.perf_counter()
    con = duckdb.connect(str(database))
    tables: dict[str, dict[str, float]] = {}
    try:
        for source in all_sources():
            files = files_of(Path(args.landing), source)
            if not files:
                continue
            began = time.perf_counter()
            if isinstance(source, Ga4Source):
                reader = _ga4_reader(files)
            else:
                reader = f"read_csv({quote_list(files)}, header = true, union_by_name = true)"
            con.execute(f"create table {source.table} as select * from {reader}")
            rows = con.execute(f"select count(*) from {source.table}").fetchall()[0][0]
            tables[source.table] = {"rows": rows, "seconds": time.perf_counter() - began}
        con.execute("checkpoint")
    finally:
        con.close()
    return {
        "seconds": time.perf_counter() - started,
        "tables": tables,
        "database_bytes": file_bytes(database),
    }


def peers_phase(args: argparse.Namespace) -> dict[str, Any]:
    from orchestration.bench.peers import clv_peers, markov_peer

    return {
        "clv": clv_peers(Path(args.warehouse)),
        "attribution": markov_peer(args.paths) if args.paths else None,
    }


PHASES = {
    "generate": generate_phase,
    "run": run_phase,
    "floor": floor_phase,
    "peers": peers_phase,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m orchestration.bench.phases")
    parser.add_argument("phase", choices=sorted(PHASES))
    parser.add_argument("--result", required=True, help="JSON file to write")
    parser.add_argument("--out")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--days", type=int)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--format", default="json")
    parser.add_argument("--landing")
    parser.add_argument("--warehouse")
    parser.add_argument("--published")
    parser.add_argument("--database")
    parser.add_argument("--unit-tests", action="store_true")
    parser.add_argument("--paths", type=int, default=0)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result = PHASES[args.phase](args)
    Path(args.result).write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
