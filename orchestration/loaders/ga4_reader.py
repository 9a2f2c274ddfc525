"""Read one GA4 BigQuery-export file (NDJSON, gzipped NDJSON or Parquet) into temp tables
`incoming` (good rows: GA4 columns, _source_row, _extra) and `bad_rows`.

NDJSON: DuckDB reads the file strictly against the declared schema. When it refuses the file, or
a line lacks a required field, ndjson_scan.py walks the file in Python to name every bad line;
the good lines are then read strictly again. Top-level fields beyond the schema go to `_extra`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.loaders.drift import EXTRA_COLUMN, NO_EXTRA, drift_note, extra_json
from orchestration.loaders.errors import EMPTY_FILE, LoadError
from orchestration.loaders.formats import Ga4Source
from orchestration.loaders.ndjson_scan import Scan, scan_ndjson
from orchestration.loaders.quarantine import add_bad_rows
from orchestration.loaders.sql import quote_ident, quote_literal
from orchestration.loaders.staged import Staged

INCOMING = "incoming"
_READ = "incoming_read"
_EXTRA = "incoming_extra"
_LINES = "incoming_line_numbers"
_BAD_LINES = "incoming_bad_lines"
MAX_OBJECT_SIZE = 16777216
NO_LINES = "empty file: no JSON lines"
REQUIRED_MISSING = "required field is missing or null"


def required_null(source: Ga4Source) -> str:
    return " or ".join(f"{quote_ident(name)} is null" for name in source.required)


def _first_required_null(source: Ga4Source) -> str:
    cases = " ".join(
        f"when {quote_ident(name)} is null then {quote_literal(name)}" for name in source.required
    )
    return f"case {cases} end"


def _missing_everywhere(rel: str, names: list[str], unit: str) -> LoadError:
    return LoadError(
        rel,
        f"required field{'s' if len(names) > 1 else ''} missing from every {unit}: "
        f"{', '.join(names)}",
        column=names[0],
    )


def ga4_json_columns(source: Ga4Source) -> str:
    """read_json's `columns` argument: the GA4 schema, so nothing is left to type detection."""
    pairs = (f"{quote_literal(name)}: {quote_literal(t)}" for name, t in source.columns.items())
    return "{" + ", ".join(pairs) + "}"


def _read_json(con: duckdb.DuckDBPyConnection, path: Path, source: Ga4Source) -> str | None:
    """Strict typed read into _READ; DuckDB's complaint if it refuses the file."""
    struct = ga4_json_columns(source)
    try:
        con.execute(
            f"""
            create or replace temp table {_READ} as
            select * from read_json({quote_literal(str(path))}, format = 'newline_delimited',
                columns = {struct}, maximum_object_size = {MAX_OBJECT_SIZE})
            """
        )
    except duckdb.Error as error:
        return str(error).split("\nTry setting")[0]
    return None


def _objects(path: Path) -> str:
    return (
        f"read_ndjson_objects({quote_literal(str(path))}, maximum_object_size = {MAX_OBJECT_SIZE})"
    )


def _finish_json(
    con: duckdb.DuckDBPyConnection, path: Path, source: Ga4Source, lines: list[int] | None
) -> Staged:
    """`incoming` from _READ (rows of `path`): line numbers (given, or 1..n) and `_extra`."""
    unknown = sorted(
        {
            row[0]
            for row in con.execute(
                f"select distinct unnest(json_keys(json)) from {_objects(path)}"
            ).fetchall()
        }
        - set(source.columns)
    )
    joins, extra = [], NO_EXTRA
    if unknown:
        pairs = [(name, f"json -> {quote_literal(name)}") for name in unknown]
        con.execute(
            f"create or replace temp table {_EXTRA} as select {extra_json(pairs)} from {_objects(path)}"
        )
        joins.append(f"join (select rowid + 1 as k, {EXTRA_COLUMN} from {_EXTRA}) e using (k)")
        extra = f"e.{EXTRA_COLUMN}"
    number = "r.k"
    if lines is not None:
        con.register(_LINES, pa.table({"k": range(1, len(lines) + 1), "n": lines}))
        joins.append(f"join {_LINES} l using (k)")
        number = "l.n"
    con.execute(
        f"""
        create or replace temp table {INCOMING} as
        select r.* exclude (k), {number} as _source_row, {extra}
        from (select rowid + 1 as k, * from {_READ}) r {" ".join(joins)}
        order by r.k
        """
    )
    for table in (_READ, _EXTRA):
        con.execute(f"drop table if exists {table}")
    if lines is not None:
        con.unregister(_LINES)
    return Staged(drift=unknown, notes=[drift_note(unknown)] if unknown else [])


def _set_aside(con: duckdb.DuckDBPyConnection, scan: Scan) -> None:
    bad = scan.bad
    con.register(
        _BAD_LINES,
        pa.table(
            {
                "line": pa.array([b.line for b in bad], pa.int64()),
                "column_name": pa.array([b.column for b in bad], pa.string()),
                "reason": pa.array([b.reason for b in bad], pa.string()),
                "value": pa.array([b.value for b in bad], pa.string()),
                "raw": pa.array([b.raw for b in bad], pa.string()),
            }
        ),
    )
    add_bad_rows(con, f"select line, column_name, reason, value, raw from {_BAD_LINES}")
    con.unregister(_BAD_LINES)


def _stage_json(con: duckdb.DuckDBPyConnection, path: Path, rel: str, source: Ga4Source) -> Staged:
    refused = _read_json(con, path, source)
    if refused is None:
        rows, incomplete = con.execute(
            f"select count(*), count(*) filter (where {required_null(source)}) from {_READ}"
        ).fetchall()[0]
        if rows == 0:
            raise LoadError(rel, NO_LINES)
        if not incomplete:
            return _finish_json(con, path, source, None)
    with tempfile.TemporaryDirectory(prefix="journey-ga4-") as folder:
        good = Path(folder) / "good_lines.json"
        scan = scan_ndjson(path, rel, source.columns, source.required, good)
        if scan.lines == 0:
            raise LoadError(rel, NO_LINES)
        everywhere = [n for n in source.required if scan.missing.get(n, 0) == scan.objects > 0]
        if everywhere:
            raise _missing_everywhere(rel, everywhere, "line")
        if not scan.bad:
            raise LoadError(rel, f"cannot be read as GA4 NDJSON: {refused or 'unknown problem'}")
        _set_aside(con, scan)
        refused_again = _read_json(con, good, source)
        if refused_again is not None:
            raise LoadError(
                rel,
                f"cannot be read as GA4 NDJSON, also without its {len(scan.bad)} bad lines: "
                f"{refused_again}",
            )
        return _finish_json(con, good, source, scan.good)


def _stage_parquet(
    con: duckdb.DuckDBPyConnection, path: Path, rel: str, source: Ga4Source
) -> Staged:
    parquet = f"read_parquet({quote_literal(str(path))}, file_row_number = true)"
    try:
        present = [
            row[0]
            for row in con.execute(
                f"describe select * from read_parquet({quote_literal(str(path))})"
            ).fetchall()
        ]
    except duckdb.Error as error:
        raise LoadError(rel, f"cannot be read as Parquet: {error}") from error
    missing = [name for name in source.required if name not in present]
    if missing:
        also = "" if len(missing) == 1 else f" (all missing: {', '.join(missing)})"
        raise LoadError(rel, f"required column missing{also}", column=missing[0])
    unknown = [name for name in present if name not in source.columns]
    selected = [
        f"cast({quote_ident(name) if name in present else 'null'} as {sql_type}) as {quote_ident(name)}"
        for name, sql_type in source.columns.items()
    ]
    selected.append("file_row_number + 1 as _source_row")
    selected.append(extra_json([(name, quote_ident(name)) for name in unknown]))
    try:
        con.execute(
            f"create or replace temp table {_READ} as select {', '.join(selected)} from {parquet}"
        )
    except duckdb.Error as error:
        raise LoadError(rel, f"columns do not match the GA4 export schema: {error}") from error
    rows, *nulls = con.execute(
        "select count(*), "
        + ", ".join(f"count(*) filter (where {quote_ident(n)} is null)" for n in source.required)
        + f" from {_READ}"
    ).fetchall()[0]
    everywhere = [n for n, count in zip(source.required, nulls, strict=True) if count == rows > 0]
    if everywhere:
        raise _missing_everywhere(rel, everywhere, "row")
    record = ", ".join(f"{quote_ident(n)} := {quote_ident(n)}" for n in present)
    add_bad_rows(
        con,
        f"""
        select r._source_row, {_first_required_null(source)}, '{REQUIRED_MISSING}', null, p.raw
        from {_READ} r join (
            select file_row_number + 1 as _source_row, to_json(struct_pack({record})) as raw
            from {parquet}
        ) p using (_source_row)
        where {required_null(source)}
        """,
    )
    con.execute(
        f"create or replace temp table {INCOMING} as select * from {_READ} "
        f"where not ({required_null(source)}) order by _source_row"
    )
    con.execute(f"drop table {_READ}")
    staged = Staged(drift=unknown, notes=[drift_note(unknown)] if unknown else [])
    if rows == 0:
        staged.notes.append("no rows: the file has a schema but no data")
    return staged


def stage_ga4(con: duckdb.DuckDBPyConnection, path: Path, rel: str, source: Ga4Source) -> Staged:
    """Create `incoming` (good rows) and fill `bad_rows`; LoadError for problems of the whole file."""
    if path.stat().st_size == 0:
        raise LoadError(rel, EMPTY_FILE)
    if path.name.endswith(".parquet"):
        return _stage_parquet(con, path, rel, source)
    return _stage_json(con, path, rel, source)
