"""Row-for-row comparison of two warehouses' tables, for the tests that prove two ways of building
(full vs incremental, interrupted vs uninterrupted) give the same data.

Columns that describe the run rather than the data (when a model was fitted and how long it took)
differ between any two runs by construction, so they are left out of every comparison.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb

from orchestration import marts_db
from orchestration.config import marts_file

RUN_METADATA_COLUMNS = frozenset(
    {
        "fitted_at",  # CLV fits: wall clock of the fit
        "fit_seconds",  # CLV fits: duration of the fit
        "fit_date",  # mart_clv_model_fit: the run's date
        "clv_model_fit_key",  # mart_clv_model_fit: surrogate key of (fit_date, model)
        "_dbt_invocation_id",  # incremental models: the dbt invocation that wrote the row
        "_raw_loaded_through",  # GA4 incremental models: raw load time when the row was built
    }
)


def compared_columns(
    con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str
) -> list[tuple[str, str]]:
    """(name, type) of the table's columns in order, without RUN_METADATA_COLUMNS."""
    return [
        (name, kind)
        for name, kind in con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = ? and table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [catalog, schema, table],
        ).fetchall()
        if name not in RUN_METADATA_COLUMNS
    ]


def sorted_rows(
    con: duckdb.DuckDBPyConnection,
    catalog: str,
    schema: str,
    table: str,
    columns: list[tuple[str, str]] | None = None,
    round_floats: int | None = None,
) -> list[tuple]:
    """The table's compared columns (or the given ones), sorted by all of them; floats rounded to
    round_floats decimals when given (summation order may differ in the last bits)."""
    columns = columns if columns is not None else compared_columns(con, catalog, schema, table)
    select = ", ".join(
        f'round("{name}", {round_floats})'
        if round_floats is not None and kind in ("DOUBLE", "FLOAT", "REAL")
        else f'"{name}"'
        for name, kind in columns
    )
    return con.execute(
        f'select {select} from "{catalog}"."{schema}"."{table}" order by all'
    ).fetchall()


def same(left: Any, right: Any) -> bool:
    """Equal, floats within 1e-9 (relative or absolute)."""
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9)
    return left == right


def table_names(con: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = ? and table_schema = ? order by table_name",
            [catalog, schema],
        ).fetchall()
    ]


def warehouse_differences(
    a: Path, b: Path, schemas: Sequence[str], extra_tables: Sequence[tuple[str, str]] = ()
) -> Iterator[str]:
    """Every table of `schemas` (and the extra (schema, table)s) that differs between warehouse
    files a and b (with their marts files, when they have one): a table only one has, a row count,
    or rows (sorted by all columns)."""
    con = duckdb.connect()
    try:
        catalogs = {}
        for side, path in (("a", a), ("b", b)):
            con.execute(f"attach '{path}' as {side} (read_only)")
            catalogs[side] = side
            if marts_file(path).exists():
                con.execute(f"attach '{marts_file(path)}' as {side}_marts (read_only)")
                catalogs[side] = f"{side}_marts"

        def catalog(side: str, schema: str) -> str:
            return catalogs[side] if schema == marts_db.SCHEMA else side

        tables = [(s, t) for s in schemas for t in table_names(con, catalog("a", s), s)]
        tables += list(extra_tables)
        for schema in schemas:
            if table_names(con, catalog("a", schema), schema) != table_names(
                con, catalog("b", schema), schema
            ):
                yield f"{schema}: tables differ"
        for schema, table in tables:
            left_catalog, right_catalog = catalog("a", schema), catalog("b", schema)
            columns = compared_columns(con, left_catalog, schema, table)
            left = sorted_rows(con, left_catalog, schema, table, columns)
            right = sorted_rows(con, right_catalog, schema, table, columns)
            if len(left) != len(right):
                yield f"{schema}.{table}: {len(left)} rows in A, {len(right)} in B"
                continue
            differing = sum(1 for x, y in zip(left, right, strict=True) if not all(map(same, x, y)))
            if differing:
                yield f"{schema}.{table}: {differing} of {len(left)} rows differ"
    finally:
        con.close()
