"""Read one vendor CSV into temp tables `incoming` (good rows, typed) and `bad_rows`.

The header is read first (csv_header.py: whole-file problems reject the file). The body is read by
DuckDB without sniffing, every cell as text; rows DuckDB cannot split into the header's columns
are set aside with their line (its rejects table), then every cell is checked against its column's
kind. A row with any problem goes to `bad_rows` with its first problem; the others are typed into
`incoming`. `_source_row` is the 1-based data row (blank lines not counted), bad rows included.
"""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path

import duckdb

from orchestration.loaders.csv_header import check_header, normalise, read_header
from orchestration.loaders.drift import drift_note, extra_json
from orchestration.loaders.encoding import not_utf8_error
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
from orchestration.loaders.quarantine import add_bad_rows
from orchestration.loaders.sql import quote_ident, quote_literal
from orchestration.loaders.staged import Staged

INCOMING = "incoming"
_TEXT = "incoming_text"  # every cell as text: c0, c1, ...
_REJECTS = "incoming_rejects"  # DuckDB's rows it could not split
_SCANS = "incoming_reject_scans"
_BLANKS = "incoming_blank_records"
_GAPS = "incoming_gaps"
_NUMBERED = "incoming_numbered"  # view: _TEXT + _n, the data row number
_PROBLEMS = "incoming_problems"
_WORK_TABLES = (_REJECTS, _SCANS, _BLANKS, _GAPS, _PROBLEMS, _TEXT)

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
        # The two readings never both succeed (a cast refuses the space before Shopify's offset);
        # the cast first is 4x faster on ISO values, the common case.
        aware = (
            f"coalesce(try_cast({value} as timestamptz), "
            f"try_strptime({value}, '{_SHOPIFY_TIMESTAMP}'))"
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


def _drop_work_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"drop view if exists {_NUMBERED}")
    for table in _WORK_TABLES:
        con.execute(f"drop table if exists {table}")


def _read_text(
    con: duckdb.DuckDBPyConnection, path: Path, rel: str, source: CsvSource, width: int
) -> None:
    """Every data row DuckDB can split into `width` cells into _TEXT; the others into _REJECTS."""
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    try:
        con.execute(
            f"""
            create temp table {_TEXT} as
            select * from read_csv({quote_literal(str(path))}, header = false, skip = 1,
                auto_detect = false, columns = {columns},
                delim = {quote_literal(source.delimiter)}, quote = '"', escape = '"',
                strict_mode = true, null_padding = false, ignore_errors = true,
                store_rejects = true, rejects_table = '{_REJECTS}', rejects_scan = '{_SCANS}')
            """
        )
    except duckdb.Error as error:
        lines = str(error).split("Possible fixes")[0].splitlines()
        what = "; ".join(line.strip() for line in lines if line.strip())
        raise LoadError(rel, f"cannot be read as CSV: {what}") from error
    encoding = con.execute(
        f"select count(*) from {_REJECTS} where error_type = 'INVALID ENCODING'"
    ).fetchall()[0][0]
    if encoding:
        raise not_utf8_error(path, rel) or LoadError(rel, "not UTF-8 text")


def _blank_records(path: Path, delimiter: str) -> list[int]:
    """0-based record numbers (header = 0) of blank lines, which DuckDB counts but skips.

    Only needed when rows were rejected: their numbers come from DuckDB's count.
    """
    blanks: list[int] = []
    with (
        open(path, encoding="utf-8-sig", newline="") as handle,
        contextlib.suppress(csv.Error),  # an unterminated quote runs to the end, as in DuckDB
    ):
        for number, record in enumerate(csv.reader(handle, delimiter=delimiter)):
            if not record:
                blanks.append(number)
    return blanks


def _number_rows(con: duckdb.DuckDBPyConnection, path: Path, delimiter: str) -> None:
    """View _NUMBERED: the text rows with _n, their data row number counting rejected rows."""
    rejected = con.execute(f"select count(*) from {_REJECTS}").fetchall()[0][0]
    blanks = _blank_records(path, delimiter) if rejected else []
    con.execute(f"create temp table {_BLANKS} as select unnest(?::BIGINT[]) as d", [blanks])
    if not rejected:
        con.execute(f"create temp view {_NUMBERED} as select *, rowid + 1 as _n from {_TEXT}")
        return
    # Rejected row k (in row order) at data row r_k: a good row i is shifted by every k whose
    # r_k - k < i, i.e. by the largest such k.
    con.execute(
        f"""
        create temp table {_GAPS} as
        select threshold, max(k) as k from (
            select r - row_number() over (order by r) as threshold,
                row_number() over (order by r) as k
            from (
                select distinct line - 1 - (select count(*) from {_BLANKS} b where b.d < line - 1)
                    as r
                from {_REJECTS}
            )
        ) group by threshold
        """
    )
    con.execute(
        f"""
        create temp view {_NUMBERED} as
        select t.*, t.i + coalesce(g.k, 0) as _n
        from (select rowid + 1 as i, * from {_TEXT}) t
        asof left join {_GAPS} g on t.i > g.threshold
        """
    )


def _record_text(width: int, delimiter: str) -> str:
    """SQL re-writing a text row as one CSV record (quoting cells that need it)."""
    special = " or ".join(
        f"contains(c{{i}}, {quote_literal(ch)})" for ch in ('"', delimiter, "\n", "\r")
    )
    cells = [
        f"case when c{i} is null then '' when {special.format(i=i)} "
        f"then '\"' || replace(c{i}, '\"', '\"\"') || '\"' else c{i} end"
        for i in range(width)
    ]
    return f"concat_ws({quote_literal(delimiter)}, {', '.join(cells)})"


def _set_aside_rejected(con: duckdb.DuckDBPyConnection, header: list[str]) -> None:
    """Rows DuckDB could not split, first problem per row, into bad_rows."""
    names = "[" + ", ".join(quote_literal(name.strip()) for name in header) + "]"
    add_bad_rows(
        con,
        f"""
        select line - 1 - (select count(*) from {_BLANKS} b where b.d < line - 1),
            {names}[cast(column_idx as BIGINT) + 1],  -- null past the last column
            'row cannot be read as CSV (' || lower(cast(error_type as varchar)) || '): '
                || error_message,
            null,
            trim(csv_line, chr(13) || chr(10))
        from {_REJECTS}
        qualify row_number() over (partition by line order by column_idx) = 1
        """,
    )


def _check_cells(
    con: duckdb.DuckDBPyConnection, present: list[tuple[int, Column]], width: int, delimiter: str
) -> None:
    """Rows with an empty required value or an unparsable one: first problem per row -> bad_rows."""
    checks = []
    for position, column in present:
        cell = f"c{position}"
        conditions = []
        if column.not_null:
            conditions.append(f"nullif(trim({cell}), '') is null")
        if column.kind != VARCHAR:
            parsed = parse_expression(cell, column.kind)
            conditions.append(f"(nullif(trim({cell}), '') is not null and {parsed} is null)")
        if conditions:
            checks.append(
                f"select _n, {position} as position, {quote_literal(column.header)} as name, "
                f"case when nullif(trim({cell}), '') is null then 'required value is empty' "
                f"else 'cannot be parsed as {column.kind}' end as reason, {cell} as value "
                f"from {_NUMBERED} where {' or '.join(conditions)}"
            )
    if not checks:
        checks.append(
            "select null::BIGINT, null::INT, null::VARCHAR, null::VARCHAR, null::VARCHAR where false"
        )
    con.execute(
        f"""
        create temp table {_PROBLEMS} as
        select * from ({" union all ".join(checks)})
        qualify row_number() over (partition by _n order by position) = 1
        """
    )
    add_bad_rows(
        con,
        f"select p._n, p.name, p.reason, p.value, {_record_text(width, delimiter)} "
        f"from {_PROBLEMS} p join {_NUMBERED} using (_n)",
    )


def _extra_columns(header: list[str], used: set[int]) -> list[tuple[str, str]]:
    """(key, text column) of every header position no declared column reads."""
    pairs: list[tuple[str, str]] = []
    taken = {normalise(header[i]) for i in used}
    for position, name in enumerate(header):
        if position in used:
            continue
        key = name.strip() or f"column {position + 1}"
        if normalise(key) in taken:
            key = f"{key} (column {position + 1})"
        taken.add(normalise(key))
        pairs.append((key, f"c{position}"))
    return pairs


def stage_csv(con: duckdb.DuckDBPyConnection, path: Path, rel: str, source: CsvSource) -> Staged:
    """Create temp tables `incoming` (good rows: _source_row, declared columns, _extra) and fill
    `bad_rows`; LoadError for problems of the whole file."""
    header = read_header(path, rel, source.delimiter)
    check_header(header, rel, source)
    # normalised header -> position; the first of duplicated headers wins
    positions = {normalise(name): i for i, name in reversed(list(enumerate(header)))}
    present = [
        (positions[normalise(c.header)], c)
        for c in source.columns
        if normalise(c.header) in positions
    ]
    _drop_work_tables(con)
    try:
        _read_text(con, path, rel, source, len(header))
        _number_rows(con, path, source.delimiter)
        _set_aside_rejected(con, header)
        _check_cells(con, present, len(header), source.delimiter)

        by_name = {c.name: position for position, c in present}
        extra = _extra_columns(header, set(by_name.values()))
        selected = ["_n as _source_row"]
        for column in source.columns:
            expression = (
                parse_expression(f"c{by_name[column.name]}", column.kind)
                if column.name in by_name
                else "null"
            )
            selected.append(
                f"cast({expression} as {SQL_TYPES[column.kind]}) as {quote_ident(column.name)}"
            )
        selected.append(extra_json(extra))
        # Clean file (the common case): a plain scan keeps the rows in file order (the loader's
        # connection preserves insertion order). Otherwise the anti-join (and the row numbering's
        # as-of join) may not, so the rows are sorted.
        clean = not con.execute(
            f"select exists (select 1 from {_PROBLEMS}) or exists (select 1 from {_REJECTS})"
        ).fetchall()[0][0]
        kept = "" if clean else f"where _n not in (select _n from {_PROBLEMS}) order by _n"
        con.execute(
            f"create or replace temp table {INCOMING} as "
            f"select {', '.join(selected)} from {_NUMBERED} {kept}"
        )
        rows_read = con.execute(
            f"select (select count(*) from {_TEXT}) + (select count(*) from {_REJECTS})"
        ).fetchall()[0][0]
    finally:
        _drop_work_tables(con)
    staged = Staged(drift=[key for key, _ in extra])
    if staged.drift:
        staged.notes.append(drift_note(staged.drift))
    if rows_read == 0:
        staged.notes.append("header only: the file has no data rows")
    return staged
