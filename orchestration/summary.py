"""What a run produced: rows per table, where the warehouse is, how to open the Dagster UI."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration import marts_db

SCHEMAS = ("raw", "staging", "intermediate", "marts", "ops")


def table_counts(warehouse: Path) -> list[tuple[str, str, int]]:
    con = marts_db.connect(warehouse, read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in {SCHEMAS} order by 1, 2"
        ).fetchall()
        return [
            (
                schema,
                name,
                con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0],
            )
            for schema, name in tables
        ]
    finally:
        con.close()


def last_runs(warehouse: Path, limit: int = 5) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)  # ops only: no marts file needed
    try:
        return con.execute(
            "select run_id, started_at, status, coalesce(reason, '') from ops.pipeline_runs "
            "order by started_at desc limit ?",
            [limit],
        ).fetchall()
    except duckdb.Error:
        return []
    finally:
        con.close()


def print_summary(warehouse: Path, published: Path | None = None) -> int:
    if not warehouse.exists():
        print(f"no warehouse at {warehouse}: run `journey run` first")
        return 1
    print(f"{'table':<48}{'rows':>12}")
    for schema, name, rows in table_counts(warehouse):
        print(f"{schema + '.' + name:<48}{rows:>12,}")
    runs = last_runs(warehouse)
    if runs:
        print("\nLast runs (ops.pipeline_runs; BI: marts.pipeline_runs in the published file):")
        for run_id, started, status, reason in runs:
            print(f"  {started:%Y-%m-%d %H:%M:%S} UTC  {status:<12} {run_id}  {reason[:80]}")
    print(f"\nDuckDB working file (loads and dbt write here): {warehouse}")
    if published is not None:
        state = "" if published.exists() else " (not published yet)"
        print(f"Published file for BI tools{state}: {published}")
        print(f"Open it read-only: duckdb -readonly {published}")
    print("Dagster UI: make ui   (then http://127.0.0.1:3000, job `nightly`)")
    return 0
