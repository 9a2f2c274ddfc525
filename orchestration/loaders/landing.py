"""Load a landing folder's files into schema raw: one transaction per file, recorded in the manifest.

A file already loaded with the same content is skipped; a file whose content changed replaces
exactly its own rows; a bad file raises LoadError naming file/row/column and leaves raw as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

import duckdb

from orchestration import privacy
from orchestration.config import project_var
from orchestration.loaders import manifest
from orchestration.loaders.csv_reader import stage_csv
from orchestration.loaders.errors import LoadError
from orchestration.loaders.formats import (
    CSV_SOURCES,
    GA4,
    GENERIC_ORDER_LINE_FIELDS,
    Column,
    CsvSource,
    Ga4Source,
    all_raw_tables,
    raw_table_ddl,
)
from orchestration.loaders.ga4_reader import stage_ga4
from orchestration.loaders.sql import quote_ident

log = logging.getLogger(__name__)

Source = CsvSource | Ga4Source
Stager = Callable[[duckdb.DuckDBPyConnection, Path, str], list[str]]


@dataclass
class FileOutcome:
    file_path: str
    status: str  # loaded | replaced | unchanged
    rows: int


@dataclass
class SourceReport:
    table: str
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def rows_written(self) -> int:
        return sum(f.rows for f in self.files if f.status != "unchanged")

    def summary(self) -> str:
        counts = {
            s: sum(f.status == s for f in self.files) for s in ("loaded", "replaced", "unchanged")
        }
        return (
            f"raw.{self.table}: {counts['loaded']} new, {counts['replaced']} replaced, "
            f"{counts['unchanged']} unchanged files; {self.rows_written} rows written"
        )


def generic_order_lines_source() -> CsvSource:
    """The generic order-lines CSV, its headers taken from var generic_order_lines_mapping."""
    mapping: dict[str, str | None] = project_var("generic_order_lines_mapping", {}) or {}
    columns = []
    for canonical in GENERIC_ORDER_LINE_FIELDS:
        header = mapping.get(canonical.name)
        if header is None:
            if canonical.required:
                raise ValueError(
                    f"generic_order_lines_mapping in dbt_project.yml needs a header for "
                    f"'{canonical.name}'"
                )
            continue
        columns.append(
            Column(header, canonical.name, canonical.kind, canonical.required, canonical.not_null)
        )
    return CsvSource(
        table="generic_order_lines",
        folder="generic_orders",
        pattern="*.csv",
        columns=tuple(columns),
        description="Generic order-lines CSV mapped by configuration",
    )


def all_sources() -> list[Source]:
    return [GA4, *CSV_SOURCES, generic_order_lines_source()]


def source_for_table(table: str) -> Source:
    return next(s for s in all_sources() if s.table == table)


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse))
    con.execute(f"set TimeZone = '{project_var('naive_timestamps_timezone', 'UTC')}'")
    con.execute("set preserve_insertion_order = true")
    ensure_raw_layer(con)
    return con


def ensure_raw_layer(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema raw, every raw table (empty until its first file) and the manifest."""
    con.execute("create schema if not exists raw")
    for table, columns in all_raw_tables().items():
        con.execute(raw_table_ddl(table, columns))
    con.execute(manifest.MANIFEST_DDL)


def files_of(landing: Path, source: Source) -> list[Path]:
    folder = landing / source.folder
    if not folder.is_dir():
        return []
    patterns = source.patterns if isinstance(source, Ga4Source) else (source.pattern,)
    return sorted(
        p for p in folder.iterdir() if p.is_file() and any(fnmatch(p.name, pat) for pat in patterns)
    )


def _stager(source: Source) -> Stager:
    if isinstance(source, Ga4Source):
        return lambda con, path, rel: stage_ga4(con, path, rel, source)
    return lambda con, path, rel: stage_csv(con, path, rel, source)


def load_file(
    con: duckdb.DuckDBPyConnection, landing: Path, path: Path, source: Source
) -> FileOutcome:
    rel = path.relative_to(landing).as_posix()
    print_ = manifest.fingerprint(path)
    previous = manifest.loaded_hash(con, rel)
    if previous == print_.sha256:
        return FileOutcome(rel, "unchanged", 0)

    try:
        notes = _stager(source)(con, path, rel)
    except LoadError as error:
        manifest.record(con, rel, source.table, print_, "failed", message=str(error))
        raise
    # Right to erasure: rows of forgotten persons (raw.tombstones) never reach raw.
    notes += privacy.withhold_tombstoned(con, source.table, "incoming")

    columns = [c for c in all_raw_tables()[source.table] if c not in ("_source_file", "_loaded_at")]
    column_list = ", ".join(quote_ident(c) for c in columns)
    status = "replaced" if previous is not None else "loaded"
    con.execute("begin transaction")
    try:
        con.execute(f"delete from raw.{source.table} where _source_file = ?", [rel])
        con.execute(
            f"""
            insert into raw.{source.table} ({column_list}, _source_file, _loaded_at)
            select {column_list}, ?, cast(timezone('UTC', now()) as timestamp) from incoming
            """,
            [rel],
        )
        rows = con.execute("select count(*) from incoming").fetchall()[0][0]
        manifest.record(
            con, rel, source.table, print_, status, row_count=rows, message="; ".join(notes) or None
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.execute("drop table if exists incoming")
    log.info("%s %s: %s rows", status, rel, rows)
    return FileOutcome(rel, status, rows)


def load_source(con: duckdb.DuckDBPyConnection, landing: Path, source: Source) -> SourceReport:
    """Load every file of one source in name order; stop at the first bad file."""
    report = SourceReport(source.table)
    for path in files_of(landing, source):
        report.files.append(load_file(con, landing, path, source))
    return report


def load_all(warehouse: Path, landing: Path) -> list[SourceReport]:
    con = connect(warehouse)
    try:
        return [load_source(con, landing, source) for source in all_sources()]
    finally:
        con.close()
