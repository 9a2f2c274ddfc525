"""Read one GA4 BigQuery-export file (NDJSON, gzipped NDJSON or Parquet) into temp `incoming`."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import duckdb

from orchestration.loaders.errors import LoadError
from orchestration.loaders.formats import Ga4Source
from orchestration.loaders.sql import quote_ident, quote_literal

INCOMING = "incoming"
_READ = "incoming_read"


def _open_text(path: Path):  # noqa: ANN202 - a text stream
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def locate_json_problem(path: Path, rel: str, columns: dict[str, str]) -> LoadError | None:
    """Walk the file line by line to name the exact line of a JSON, encoding or gzip problem.

    Only called after DuckDB refused the file, so its cost does not matter.
    """
    line_number = 0
    try:
        with _open_text(path) as handle:
            for line_number, line in enumerate(handle, start=1):  # noqa: B007
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    return LoadError(
                        rel,
                        f"malformed JSON: {error.msg} at character {error.pos}",
                        row=line_number,
                    )
                if not isinstance(record, dict):
                    return LoadError(rel, "line is not a JSON object", row=line_number)
                for name, sql_type in columns.items():
                    value = record.get(name)
                    if sql_type == "BIGINT" and value is not None:
                        try:
                            int(value)
                        except (TypeError, ValueError):
                            return LoadError(
                                rel, "not an INT64", row=line_number, column=name, value=str(value)
                            )
    except (EOFError, OSError, zlib.error) as error:
        return LoadError(rel, f"truncated or corrupt gzip stream after line {line_number}: {error}")
    except UnicodeDecodeError as error:
        return LoadError(
            rel, f"not UTF-8 text after line {line_number}: {error.reason}", row=line_number + 1
        )
    return None


def _stage_json(con: duckdb.DuckDBPyConnection, path: Path, rel: str, source: Ga4Source) -> None:
    struct = (
        "{"
        + ", ".join(
            f"{quote_literal(name)}: {quote_literal(sql_type)}"
            for name, sql_type in source.columns.items()
        )
        + "}"
    )
    try:
        con.execute(
            f"""
            create or replace temp table {_READ} as
            select * from read_json({quote_literal(str(path))}, format = 'newline_delimited',
                columns = {struct}, maximum_object_size = 16777216)
            """
        )
    except duckdb.Error as error:
        located = locate_json_problem(path, rel, source.columns)
        if located is not None:
            raise located from error
        raise LoadError(rel, f"cannot be read as GA4 NDJSON: {error}") from error


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, rel: str, source: Ga4Source) -> None:
    try:
        present = {
            row[0]
            for row in con.execute(
                f"describe select * from read_parquet({quote_literal(str(path))})"
            ).fetchall()
        }
    except duckdb.Error as error:
        raise LoadError(rel, f"cannot be read as Parquet: {error}") from error
    missing = [name for name in source.required if name not in present]
    if missing:
        raise LoadError(rel, "required column missing", column=missing[0])
    selected = ", ".join(
        f"cast({quote_ident(name) if name in present else 'null'} as {sql_type}) as {quote_ident(name)}"
        for name, sql_type in source.columns.items()
    )
    try:
        con.execute(
            f"create or replace temp table {_READ} as "
            f"select {selected} from read_parquet({quote_literal(str(path))})"
        )
    except duckdb.Error as error:
        raise LoadError(rel, f"columns do not match the GA4 export schema: {error}") from error


def stage_ga4(con: duckdb.DuckDBPyConnection, path: Path, rel: str, source: Ga4Source) -> list[str]:
    """Create temp table `incoming` (GA4 columns + _source_row); return notes for the manifest."""
    if path.stat().st_size == 0:
        raise LoadError(rel, "the file is empty")
    if path.name.endswith(".parquet"):
        _stage_parquet(con, path, rel, source)
    else:
        _stage_json(con, path, rel, source)
    # A temp table keeps the file's order, so rowid + 1 is the NDJSON line / Parquet row.
    con.execute(
        f"create or replace temp table {INCOMING} as select *, rowid + 1 as _source_row from {_READ}"
    )
    con.execute(f"drop table {_READ}")
    for name in source.required:
        rows = con.execute(
            f"select _source_row from {INCOMING} where {quote_ident(name)} is null "
            "order by _source_row limit 1"
        ).fetchall()
        if rows:
            raise LoadError(rel, "required field is missing or null", row=rows[0][0], column=name)
    return []
