"""Read one vendor CSV into the temp table `incoming`, typed and validated against its contract."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb

from orchestration.loaders.errors import LoadError
from orchestration.loaders.formats import (
    BOOLEAN,
    DATE,
    DECIMAL,
    INTEGER,
    SQL_TYPES,
    TIMESTAMP,
    VARCHAR,
    Column,
    CsvSource,
)
from orchestration.loaders.sql import quote_ident, quote_literal

INCOMING = "incoming"
_TEXT = "incoming_text"

# Shopify writes `2024-03-01 10:15:22 +0100`; everything ISO-like DuckDB casts itself. Values
# without an offset are read in the session time zone (var naive_timestamps_timezone).
_SHOPIFY_TIMESTAMP = "%Y-%m-%d %H:%M:%S %z"
_TRUE_WORDS = ("true", "yes", "y", "1", "t")
_FALSE_WORDS = ("false", "no", "n", "0", "f")


def parse_expression(column_sql: str, kind: str) -> str:
    """SQL turning a VARCHAR cell into the column's kind; NULL when it cannot be parsed."""
    value = f"nullif(trim({column_sql}), '')"
    if kind == VARCHAR:
        return column_sql
    if kind == TIMESTAMP:
        aware = (
            f"coalesce(try_strptime({value}, '{_SHOPIFY_TIMESTAMP}'), "
            f"try_cast({value} as timestamptz))"
        )
        return f"cast(timezone('UTC', {aware}) as timestamp)"
    if kind == BOOLEAN:
        return (
            f"case when lower({value}) in {_TRUE_WORDS} then true "
            f"when lower({value}) in {_FALSE_WORDS} then false end"
        )
    if kind in (INTEGER, DECIMAL, DATE):
        return f"try_cast({value} as {SQL_TYPES[kind]})"
    raise ValueError(f"unknown column kind {kind!r}")


def _read_header(path: Path, rel: str, source: CsvSource) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            first = next(csv.reader(handle, delimiter=source.delimiter), None)
    except UnicodeDecodeError as error:
        raise LoadError(rel, f"header is not UTF-8 text: {error.reason}") from error
    if not first or not any(cell.strip() for cell in first):
        raise LoadError(rel, "the file is empty (no header line)")
    return first


def _read_text(
    con: duckdb.DuckDBPyConnection, path: Path, rel: str, source: CsvSource
) -> list[str]:
    """Load every cell as text into `incoming_text` (columns c0, c1, ...); return the header.

    The header is read here and the parser runs without sniffing, so a row with a wrong number of
    fields is an error naming its line instead of a silently re-guessed dialect.
    """
    if path.stat().st_size == 0:
        raise LoadError(rel, "the file is empty (not even a header line)")
    header = _read_header(path, rel, source)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
    try:
        con.execute(
            f"""
            create or replace temp table {_TEXT} as
            select * from read_csv({quote_literal(str(path))}, header = false, skip = 1,
                auto_detect = false, columns = {columns},
                delim = {quote_literal(source.delimiter)}, quote = '"', escape = '"',
                strict_mode = true, null_padding = false)
            """
        )
    except duckdb.Error as error:
        line = re.search(r"CSV Error on Line: (\d+)", str(error))
        row = int(line.group(1)) - 1 if line else None
        lines = str(error).split("Possible fixes")[0].splitlines()
        what = "; ".join(line.strip() for line in lines if line.strip())
        raise LoadError(rel, f"cannot be read as CSV: {what}", row=row) from error
    return header


def _first_bad_cell(
    con: duckdb.DuckDBPyConnection, present: list[tuple[Column, str]]
) -> tuple[int, Column, str | None] | None:
    """Earliest (row, column, raw value) that is missing where required or does not parse."""
    checks = []
    for column, header in present:
        cell = quote_ident(header)
        conditions = []
        if column.not_null:
            conditions.append(f"nullif(trim({cell}), '') is null")
        if column.kind != VARCHAR:
            parsed = parse_expression(cell, column.kind)
            conditions.append(f"(nullif(trim({cell}), '') is not null and {parsed} is null)")
        if conditions:
            checks.append(
                f"select rowid + 1 as row_number, {quote_literal(column.name)} as name, "
                f"{cell} as value from {_TEXT} where {' or '.join(conditions)}"
            )
    if not checks:
        return None
    rows = con.execute(
        f"select * from ({' union all '.join(checks)}) order by row_number limit 1"
    ).fetchall()
    if not rows:
        return None
    row_number, name, value = rows[0]
    column = next(c for c, _ in present if c.name == name)
    return row_number, column, value


def stage_csv(con: duckdb.DuckDBPyConnection, path: Path, rel: str, source: CsvSource) -> list[str]:
    """Create temp table `incoming` (raw columns + _source_row); return notes for the manifest."""
    header = _read_text(con, path, rel, source)
    # normalised header -> text column; the first of duplicated headers wins
    headers = {name.strip().lower(): f"c{i}" for i, name in reversed(list(enumerate(header)))}
    missing = [h for h in source.required_headers if h.strip().lower() not in headers]
    if missing:
        raise LoadError(rel, "required column missing from the header", column=missing[0])

    present = [
        (c, headers[c.header.lower()]) for c in source.columns if c.header.lower() in headers
    ]
    bad = _first_bad_cell(con, present)
    if bad is not None:
        row_number, column, value = bad
        reason = (
            "required value is empty"
            if value is None or not value.strip()
            else (f"cannot be parsed as {column.kind}")
        )
        raise LoadError(rel, reason, row=row_number, column=column.header, value=value)

    by_name = {c.name: header for c, header in present}
    selected = ["rowid + 1 as _source_row"]
    for column in source.columns:
        if column.name in by_name:
            expression = parse_expression(quote_ident(by_name[column.name]), column.kind)
        else:
            expression = "null"
        selected.append(
            f"cast({expression} as {SQL_TYPES[column.kind]}) as {quote_ident(column.name)}"
        )
    con.execute(
        f"create or replace temp table {INCOMING} as select {', '.join(selected)} from {_TEXT}"
    )
    declared = {c.header.lower() for c in source.columns}
    extra = [name for name in header if name.strip().lower() not in declared]
    return [f"extra columns kept in the file, not loaded: {', '.join(extra)}"] if extra else []
