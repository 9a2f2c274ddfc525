"""Write-audit-publish, the publish part: swap a complete copy of the marts in for BI readers.

The run writes only the WORKING DuckDB files: the working file and the marts' own file beside it
(`<working file>.marts`, orchestration/marts_db.py), which dbt builds the marts schema into. BI
tools open the PUBLISHED file read-only (`published/<name>` next to the working file by default,
see config.published_path). Publishing never writes the published path in place:

1. the marts file is checkpointed (everything in it, no WAL) and copied byte for byte to a temp
   file `.<name>.<run_id>.tmp` in the published folder (same file system): the marts are already
   compressed, so nothing is compressed again;
2. the temp file is attached: dbt scratch relations a killed run may have left are dropped and
   `marts.pipeline_runs` (the run records, ops.pipeline_runs in the working file) is written;
   CHECKPOINT, DETACH (no connection left, no WAL), fsync of the file;
3. os.replace(temp, published) - an atomic rename on POSIX - and fsync of the folder.

A reader that already has the old file open keeps reading the old inode; a reader that connects
after the rename opens the new, complete file; nobody ever holds a write lock on the published
path, so no read-only connection is refused. A run killed at any point leaves the published file
as it was and at worst a temp file, which the next run removes (remove_temp_files).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration import crashpoints, marts_db
from orchestration.loaders.sql import quote_ident, quote_literal

PUBLISHED_SCHEMA = marts_db.SCHEMA
RUNS_TABLE = "pipeline_runs"
# dbt-duckdb's intermediate relations; a run killed mid-model can leave one behind.
_DBT_SCRATCH_SUFFIXES = ("__dbt_tmp", "__dbt_backup")


@dataclass(frozen=True)
class PublishResult:
    path: Path
    tables: int
    seconds: float
    bytes: int


def temp_path(published: Path, run_id: str) -> Path:
    return published.parent / f".{published.name}.{run_id}.tmp"


def remove_temp_files(published: Path) -> list[Path]:
    """Delete temp files (and their WAL) left by publishes that never finished."""
    if not published.parent.is_dir():
        return []
    removed = []
    for path in sorted(published.parent.glob(f".{published.name}.*.tmp*")):
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _relations(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str]]:
    """(name, table type) of every table and view of `database`'s marts schema."""
    return con.execute(
        "select table_name, table_type from information_schema.tables "
        "where table_catalog = ? and table_schema = ? order by table_name",
        [database, PUBLISHED_SCHEMA],
    ).fetchall()


def mart_tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    """Tables and views of `database`'s marts schema that BI reads (dbt scratch relations left out)."""
    return [
        name for name, _ in _relations(con, database) if not name.endswith(_DBT_SCRATCH_SUFFIXES)
    ]


def _drop_scratch_relations(con: duckdb.DuckDBPyConnection, database: str) -> None:
    for name, kind in _relations(con, database):
        if name.endswith(_DBT_SCRATCH_SUFFIXES):
            relation = "view" if kind == "VIEW" else "table"
            con.execute(
                f"drop {relation} {quote_ident(database)}.{PUBLISHED_SCHEMA}.{quote_ident(name)}"
            )


def _attached_path(con: duckdb.DuckDBPyConnection, database: str) -> Path:
    rows = con.execute(
        "select path from duckdb_databases() where database_name = ?", [database]
    ).fetchall()
    if not rows or not rows[0][0]:
        raise RuntimeError(
            f"publish: the marts file ({database}) is not attached to the connection"
        )
    return Path(rows[0][0])


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(
    con: duckdb.DuckDBPyConnection,
    published: Path,
    run_id: str,
    write_runs: Callable[[duckdb.DuckDBPyConnection, str], None],
    *,
    rewrite: bool = False,
) -> PublishResult:
    """Publish the marts file attached to `con` (marts_db.connect, read-write).

    `write_runs(con, table)` creates and fills the run-record table `table` (fully qualified) in
    the temp database, so the published file carries the run history including this run.
    `rewrite`: write every mart into the temp file (COPY FROM DATABASE) instead of copying the
    marts file's bytes, which include its freed blocks: after an erasure those may still hold the
    erased rows (journey forget).
    """
    started = time.perf_counter()
    crashpoints.reached("publish:start", str(published))
    published.parent.mkdir(parents=True, exist_ok=True)
    remove_temp_files(published)
    temp = temp_path(published, run_id)
    marts = _attached_path(con, marts_db.CATALOG)
    con.execute(f"checkpoint {marts_db.CATALOG}")
    alias = "journey_publish"
    try:
        if not rewrite:
            shutil.copyfile(marts, temp)
        con.execute(f"attach {quote_literal(str(temp))} as {alias}")
        try:
            if rewrite:
                con.execute(f"copy from database {marts_db.CATALOG} to {alias}")
            crashpoints.reached("publish:copying", str(temp))
            _drop_scratch_relations(con, alias)
            tables = mart_tables(con, alias)
            write_runs(con, f"{alias}.{PUBLISHED_SCHEMA}.{RUNS_TABLE}")
            con.execute(f"checkpoint {alias}")
        finally:
            con.execute(f"detach {alias}")
        _fsync(temp)
    except BaseException:
        remove_temp_files(published)
        raise
    size = temp.stat().st_size
    crashpoints.reached("publish:replace", str(temp))
    os.replace(temp, published)
    _fsync(published.parent)
    crashpoints.reached("publish:done", str(published))
    return PublishResult(published, len(tables) + 1, time.perf_counter() - started, size)
