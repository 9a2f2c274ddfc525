"""Deterministic CSV writing through DuckDB, with vendor-style value formatting.

Columns are given as (header, Arrow array, style): ``text`` is written as is, ``money`` turns
integer cents into ``12.50``, and a ``%``-style strftime pattern formats integer microseconds since
the epoch, and ``shopify`` takes a pair (local wall time in microseconds, offset text) and writes
``2024-03-01 10:15:22 +0100``. Nulls are written as empty cells.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

TEXT = "text"
MONEY = "money"
HUBSPOT_TIME = "%Y-%m-%d %H:%M"
ISO_UTC = "%Y-%m-%dT%H:%M:%S+00:00"
SHOPIFY = "shopify"  # value is (local wall time us, '+0100' offset text)
DATE = "%Y-%m-%d"

Column = tuple[str, object, str]


def us_array(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Int64 microseconds with -1 (or ``~valid``) as null."""
    mask = values < 0 if valid is None else ~valid
    return pa.array(values.astype(np.int64), pa.int64(), mask=mask)


def cents_array(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(values.astype(np.int64), pa.int64(), mask=None if valid is None else ~valid)


def write_csv(path: Path, columns: list[Column]) -> int:
    """Write ``columns`` in order; returns the file size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {}
    select = []
    for i, (header, values, style) in enumerate(columns):
        quoted = '"' + header.replace('"', '""') + '"'
        if style == SHOPIFY:
            local, offset = values  # type: ignore[misc]
            arrays[f"c{i}"] = local
            arrays[f"o{i}"] = offset
            select.append(
                f"strftime(make_timestamp(c{i}), '%Y-%m-%d %H:%M:%S') || ' ' || o{i} AS {quoted}"
            )
            continue
        arrays[f"c{i}"] = values if isinstance(values, pa.Array) else pa.array(values)
        if style == TEXT:
            expr = f"CAST(c{i} AS VARCHAR)"
        elif style == MONEY:
            expr = f"printf('%.2f', c{i} / 100.0)"
        else:
            expr = f"strftime(make_timestamp(c{i}), '{style}')"
        select.append(f"{expr} AS {quoted}")
    table = pa.table(arrays)
    con = duckdb.connect()
    try:
        con.execute("SET threads = 1")
        con.register("rows_", table)
        tmp = path.with_name(path.name + ".tmp")
        con.execute(
            f"COPY (SELECT {', '.join(select)} FROM rows_) TO '{tmp}' (FORMAT csv, HEADER true)"
        )
        tmp.replace(path)
    finally:
        con.close()
    return path.stat().st_size
