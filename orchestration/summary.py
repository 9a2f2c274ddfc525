"""What a run produced: rows per table, where the warehouse is, how to open the Dagster UI."""

from __future__ import annotations

from pathlib import Path

import duckdb

SCHEMAS = ("raw", "staging", "intermediate", "marts")


def table_counts(warehouse: Path) -> list[tuple[str, str, int]]:
    con = duckdb.connect(str(warehouse), read_only=True)
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


def print_summary(warehouse: Path) -> int:
    if not warehouse.exists():
        print(f"no warehouse at {warehouse}: run `journey run` first")
        return 1
    print(f"{'table':<48}{'rows':>12}")
    for schema, name, rows in table_counts(warehouse):
        print(f"{schema + '.' + name:<48}{rows:>12,}")
    print(f"\nDuckDB warehouse: {warehouse}")
    print(f"Open it read-only: duckdb -readonly {warehouse}")
    print("Dagster UI: make ui   (then http://127.0.0.1:3000, job `nightly`)")
    return 0
