"""The marts' own DuckDB file, attached to every connection to the working file.

dbt builds the `marts` schema into `<working file>.marts` (config.marts_file; profiles.yml attaches
it as journey_marts and macros/generate_database_name.sql puts the marts folder there), so
publishing copies one finished file instead of compressing every mart again into a new one
(README "Write-audit-publish"). Each connection here attaches that file and puts its marts schema
on DuckDB's search path, so `marts.<table>` names the same table it named when the marts lived in
the working file. One transaction writes to one of the two files only (DuckDB's rule).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.config import marts_file
from orchestration.loaders.sql import quote_literal

CATALOG = "journey_marts"
SCHEMA = "marts"


def attach(con: duckdb.DuckDBPyConnection, warehouse: Path, *, read_only: bool = False) -> bool:
    """Attach the marts file of `warehouse` to `con`, creating it and its schema unless read-only.

    False (nothing attached) when read-only and the marts file or its schema does not exist yet.
    """
    path = marts_file(warehouse)
    if read_only and not path.exists():
        return False
    mode = " (read_only)" if read_only else ""
    con.execute(f"attach if not exists {quote_literal(str(path))} as {CATALOG}{mode}")
    if not read_only:
        con.execute(f"create schema if not exists {CATALOG}.{SCHEMA}")
    elif not con.execute(
        "select 1 from duckdb_schemas() where database_name = ? and schema_name = ?",
        [CATALOG, SCHEMA],
    ).fetchall():
        return False
    (database,) = con.execute("select current_database()").fetchall()[0]
    search_path = f'"{database}".main,{CATALOG}.{SCHEMA}'
    con.execute(f"set search_path = {quote_literal(search_path)}")
    return True


def connect(warehouse: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the working file with its marts file attached (see `attach`)."""
    con = duckdb.connect(str(warehouse), read_only=read_only)
    try:
        attach(con, warehouse, read_only=read_only)
    except BaseException:
        con.close()
        raise
    return con
