"""Mart parity between the DuckDB and the Spark builds of the same raw data (README "Scaling out").

Both sides are read as Arrow tables and turned into rows of comparable Python values: timestamps as
naive UTC datetimes, decimals as Decimal, every other value as it is. Two tables agree when they have
the same columns and the same multiset of rows, where floats match within a relative tolerance (and
an absolute one near zero). Rows are paired after sorting on their non-float values (then the floats
rounded), so the order each engine returns is irrelevant.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from orchestration import marts_db

# Columns whose value depends on the run, not on the data: when the fit ran and how long it took.
RUN_DEPENDENT_COLUMNS = frozenset({"fitted_at", "fit_seconds"})


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def arrow_rows(table: pa.Table, columns: Sequence[str]) -> list[tuple]:
    """The table's rows as tuples of `columns`, values normalised."""
    data = [table.column(name).to_pylist() for name in columns]
    return [tuple(_value(v) for v in row) for row in zip(*data, strict=True)] if data else []


def duckdb_mart(warehouse: str, table: str) -> pa.Table:
    con = marts_db.connect(Path(warehouse), read_only=True)
    try:
        return con.sql(f'select * from marts."{table}"').to_arrow_table()
    finally:
        con.close()


def _sort_key(row: tuple) -> tuple:
    key = []
    for value in row:
        if isinstance(value, float):
            key.append((2, 0.0 if math.isnan(value) else float(f"{value:.6g}"), ""))
        elif value is None:
            key.append((0, 0.0, ""))
        else:
            key.append((1, 0.0, repr(value)))
    return tuple(key)


def _sort(rows: list[tuple]) -> list[tuple]:
    # non-float values first (exact), then the floats (rounded), so tiny float noise cannot reorder
    floats = [i for i, v in enumerate(rows[0]) if isinstance(v, float)] if rows else []
    return sorted(
        rows,
        key=lambda r: (
            _sort_key(tuple(v for i, v in enumerate(r) if i not in floats)),
            _sort_key(tuple(v for i, v in enumerate(r) if i in floats)),
        ),
    )


def values_equal(left: Any, right: Any, rel_tol: float, abs_tol: float) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, float) or isinstance(right, float):
        left, right = float(left), float(right)
        if math.isnan(left) or math.isnan(right):
            return math.isnan(left) and math.isnan(right)
        return math.isclose(left, right, rel_tol=rel_tol, abs_tol=abs_tol)
    return left == right


def compare_tables(
    left: pa.Table,
    right: pa.Table,
    *,
    ignore: frozenset[str] = RUN_DEPENDENT_COLUMNS,
    rel_tol: float = 1e-9,
    abs_tol: float = 1e-12,
    max_differences: int = 5,
) -> list[str]:
    """Differences between two tables (empty when they agree), each a readable line."""
    left_columns, right_columns = set(left.column_names), set(right.column_names)
    if left_columns != right_columns:
        return [
            f"columns differ: only left {sorted(left_columns - right_columns)}, "
            f"only right {sorted(right_columns - left_columns)}"
        ]
    columns = [name for name in left.column_names if name not in ignore]
    if left.num_rows != right.num_rows:
        return [f"row counts differ: {left.num_rows} != {right.num_rows}"]
    left_rows, right_rows = _sort(arrow_rows(left, columns)), _sort(arrow_rows(right, columns))
    problems: list[str] = []
    for left_row, right_row in zip(left_rows, right_rows, strict=True):
        for name, a, b in zip(columns, left_row, right_row, strict=True):
            if not values_equal(a, b, rel_tol, abs_tol):
                problems.append(
                    f"{name}: {a!r} != {b!r} (row {dict(zip(columns, left_row, strict=True))})"
                )
                break
        if len(problems) >= max_differences:
            break
    return problems


def export_spark_marts(out_dir: str) -> list[str]:
    """Write every table of Spark schema marts to out_dir/<table>.parquet (as Spark reads it)."""
    from pathlib import Path

    import pyarrow.parquet as pq

    from orchestration.spark.session import get_session

    spark = get_session()
    names = sorted(row.tableName for row in spark.sql("show tables in marts").collect())
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    for name in names:
        pq.write_table(spark.table(f"marts.`{name}`").toArrow(), f"{out_dir}/{name}.parquet")
    return names


if __name__ == "__main__":  # python -m orchestration.spark.parity OUT_DIR (a separate JVM process)
    import sys

    print("\n".join(export_spark_marts(sys.argv[1])))
