"""Load a landing folder's files into schema raw: one transaction per file, recorded in the manifest.

A file already loaded with the same content is skipped; a file whose content changed replaces
exactly its own rows (and its quarantined rows); the same content under another file name is
skipped as a duplicate. Bad rows follow the table's bad-input policy (policy.py): the file is
rejected (LoadError naming file/row/column, recorded as failed, raw left as it was) or its bad rows
go to raw.quarantine. A rejected file does not stop the source's other files from loading.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import duckdb

from orchestration import marts_db, privacy, progress
from orchestration.config import (
    duckdb_block_allocator_memory,
    duckdb_memory_limit,
    duckdb_temp_directory,
    project_var,
)
from orchestration.loaders import manifest
from orchestration.loaders.csv_reader import stage_csv
from orchestration.loaders.errors import LoadError
from orchestration.loaders.formats import Ga4Source, all_raw_tables, raw_table_ddl
from orchestration.loaders.ga4_batch import (
    DEFAULT_BATCH_MB,
    Ga4Batch,
    batchable,
    batches,
    read_batch,
)
from orchestration.loaders.ga4_reader import stage_ga4
from orchestration.loaders.outcome import FileOutcome, SourceReport
from orchestration.loaders.policy import REJECT_FILE, policy_for
from orchestration.loaders.quarantine import (
    BAD_ROWS,
    QUARANTINE_DDL,
    bad_row_count,
    create_bad_rows,
    first_bad_row,
    forget_file,
    replace_file_rows,
)
from orchestration.loaders.sources import (
    Source,
    all_sources,
    files_of,
    generic_order_lines_source,
    source_for_table,
)
from orchestration.loaders.sql import quote_ident
from orchestration.loaders.staged import Staged
from orchestration.loaders.unclaimed import check_unclaimed, unclaimed_files

log = logging.getLogger(__name__)

Stager = Callable[[duckdb.DuckDBPyConnection, Path, str], Staged]
INCOMING = "incoming"
CHECKPOINT_THRESHOLD = "1GiB"

__all__ = [
    "Source",
    "SourceReport",
    "all_sources",
    "connect",
    "generic_order_lines_source",
    "load_all",
    "load_file",
    "load_source",
    "source_for_table",
]


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse))
    con.execute(f"set TimeZone = '{project_var('naive_timestamps_timezone', 'UTC')}'")
    con.execute("set preserve_insertion_order = true")
    # Every file (or GA4 batch) loads in its own transaction; checkpointing after each (the 16 MiB
    # default) rewrote the growing table once per GA4 day. The WAL is checkpointed at close.
    con.execute(f"set checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
    con.execute(f"set memory_limit = '{duckdb_memory_limit()}'")
    con.execute(f"set block_allocator_memory = '{duckdb_block_allocator_memory()}'")
    con.execute("set temp_directory = ?", [str(duckdb_temp_directory(warehouse))])
    ensure_raw_layer(con)
    marts_db.attach(con, warehouse)
    return con


def ensure_raw_layer(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema raw, every raw table (empty until its first file), the manifest and the
    quarantine; add columns declared since an existing warehouse was created."""
    con.execute("create schema if not exists raw")
    existing: dict[str, set[str]] = {}
    for table, column in con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'raw'"
    ).fetchall():
        existing.setdefault(table, set()).add(column)
    for table, columns in all_raw_tables().items():
        con.execute(raw_table_ddl(table, columns))
        for name, sql_type in columns.items():
            if table in existing and name not in existing[table]:
                con.execute(f"alter table raw.{table} add column {quote_ident(name)} {sql_type}")
    con.execute(manifest.MANIFEST_DDL)
    for migration in manifest.MANIFEST_MIGRATIONS:
        con.execute(migration)
    con.execute(QUARANTINE_DDL)


def _stager(source: Source) -> Stager:
    if isinstance(source, Ga4Source):
        return lambda con, path, rel: stage_ga4(con, path, rel, source)
    return lambda con, path, rel: stage_csv(con, path, rel, source)


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchall()[0][0]


def _apply_policy(con: duckdb.DuckDBPyConnection, rel: str, policy: str) -> None:
    """Reject the file if it has bad rows and the policy says so, or if no row is good."""
    bad = bad_row_count(con)
    if not bad:
        return
    good = _count(con, INCOMING)
    if policy == REJECT_FILE:
        raise first_bad_row(
            con, rel, bad, good, f"nothing of the file loaded (bad_input_policy {REJECT_FILE})"
        )
    if good == 0:
        raise first_bad_row(
            con, rel, bad, good, "no row is good, so the file is rejected under every policy"
        )


def _in_transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], None]) -> None:
    con.execute("begin transaction")
    try:
        work()
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _skip_duplicate(
    con: duckdb.DuckDBPyConnection,
    rel: str,
    source: Source,
    print_: manifest.Fingerprint,
    earlier: str,
    current: manifest.Entry | None,
) -> FileOutcome:
    """Same content as a file already loaded: record it once, drop rows of an older version."""
    note = f"duplicate delivery: same content as {earlier}, which is already loaded; skipped"
    if current is None or current.file_hash != print_.sha256:

        def forget_older_version() -> None:
            con.execute(f"delete from raw.{source.table} where _source_file = ?", [rel])
            forget_file(con, rel)
            manifest.record(con, rel, source.table, print_, "duplicate", 0, note)

        _in_transaction(con, forget_older_version)
        log.warning("%s: %s", rel, note)
    return FileOutcome(rel, "duplicate", notes=[note])


def _staged_columns(source: Source) -> str:
    """The raw table's columns a reader stages (all but _source_file and _loaded_at)."""
    columns = all_raw_tables()[source.table]
    return ", ".join(quote_ident(c) for c in columns if c not in ("_source_file", "_loaded_at"))


def _replace_file(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    rel: str,
    print_: manifest.Fingerprint,
    status: str,
    rows: int,
    notes: list[str],
    quarantined: int,
) -> None:
    """Inside a file's transaction, before its rows are inserted: drop what raw and the
    quarantine hold of an earlier version, keep `bad_rows`, record the outcome."""
    con.execute(f"delete from raw.{source.table} where _source_file = ?", [rel])
    replace_file_rows(con, source.table, rel)
    manifest.record(
        con,
        rel,
        source.table,
        print_,
        status,
        row_count=rows,
        message="; ".join(notes) or None,
        quarantined_rows=quarantined,
    )


def _load_batch(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    source: Source,
    batch: Ga4Batch,
    prints: dict[Path, manifest.Fingerprint],
) -> list[FileOutcome]:
    """The batch's clean files in one transaction and one insert. A file whose content is
    already loaded (or comes earlier in the batch) is left out, for load_file to skip."""
    hashes: set[str] = set()
    current: dict[str, manifest.Entry | None] = {}
    for name in batch.names:
        path = Path(name)
        rel, sha = path.relative_to(landing).as_posix(), prints[path].sha256
        if sha in hashes or manifest.loaded_elsewhere(con, source.table, sha, rel) is not None:
            batch.leave_out(name)
            continue
        hashes.add(sha)
        current[name] = manifest.current(con, rel)
    if not batch.names:
        return []
    predicate = privacy.withholding_predicate(con, source.table)
    withheld = batch.withhold(predicate) if predicate is not None else Counter()
    rows = batch.rows()
    outcomes = []
    for name, entry in current.items():
        rel = Path(name).relative_to(landing).as_posix()
        status = "replaced" if entry is not None and entry.has_rows else "loaded"
        outcomes.append(
            FileOutcome(rel, status, rows[name], notes=privacy.withheld_notes(withheld[name]))
        )

    def write() -> None:
        for name, outcome in zip(current, outcomes, strict=True):
            print_ = prints[Path(name)]
            _replace_file(
                con,
                source,
                outcome.file_path,
                print_,
                outcome.status,
                outcome.rows,
                outcome.notes,
                0,
            )
        batch.insert_into(
            f"raw.{source.table}",
            _staged_columns(source),
            {n: o.file_path for n, o in zip(current, outcomes, strict=True)},
        )

    create_bad_rows(con)
    try:
        _in_transaction(con, write)
    finally:
        con.execute(f"drop table if exists {BAD_ROWS}")
    for outcome in outcomes:
        for note in outcome.notes:
            log.warning("%s: %s", outcome.file_path, note)
        log.info("%s %s: %s rows, 0 quarantined", outcome.status, outcome.file_path, outcome.rows)
    return outcomes


def load_file(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    path: Path,
    source: Source,
    policy: str = REJECT_FILE,
    print_: manifest.Fingerprint | None = None,
) -> FileOutcome:
    """Load one file in its own transaction; LoadError (recorded as failed) if it is rejected.
    `print_`: the file's fingerprint when the caller has it."""
    rel = path.relative_to(landing).as_posix()
    current = manifest.current(con, rel)
    print_ = print_ or manifest.fingerprint(path, current)
    if _unchanged(current, print_):
        return FileOutcome(rel, "unchanged")
    earlier = manifest.loaded_elsewhere(con, source.table, print_.sha256, rel)
    if earlier is not None:
        return _skip_duplicate(con, rel, source, print_, earlier, current)

    create_bad_rows(con)
    try:
        try:
            staged = _stager(source)(con, path, rel)
            _apply_policy(con, rel, policy)
        except LoadError as error:
            manifest.record(con, rel, source.table, print_, "failed", message=str(error))
            log.error("%s", error)
            raise
        # Right to erasure: rows of forgotten persons (raw.tombstones) never reach raw.
        withheld = privacy.withhold_tombstoned(con, source.table, INCOMING)
        rows, quarantined = _count(con, INCOMING), bad_row_count(con)
        status = "replaced" if current is not None and current.has_rows else "loaded"
        notes = list(staged.notes) + withheld
        if quarantined:
            notes.append(f"{quarantined} bad rows quarantined in raw.quarantine")
        column_list = _staged_columns(source)

        def write() -> None:
            _replace_file(con, source, rel, print_, status, rows, notes, quarantined)
            con.execute(
                f"""
                insert into raw.{source.table} ({column_list}, _source_file, _loaded_at)
                select {column_list}, ?, cast(timezone('UTC', now()) as timestamp) from {INCOMING}
                """,
                [rel],
            )

        _in_transaction(con, write)
    finally:
        con.execute(f"drop table if exists {INCOMING}")
        con.execute(f"drop table if exists {BAD_ROWS}")
    for note in notes:
        log.warning("%s: %s", rel, note)
    log.info("%s %s: %s rows, %s quarantined", status, rel, rows, quarantined)
    return FileOutcome(rel, status, rows, quarantined, staged.drift, notes)


def _unchanged(current: manifest.Entry | None, print_: manifest.Fingerprint) -> bool:
    return current is not None and current.has_rows and current.file_hash == print_.sha256


def _read_groups(
    source: Source,
    prints: dict[Path, manifest.Fingerprint],
    currents: dict[Path, manifest.Entry | None],
) -> list[tuple[list[Path], bool]]:
    """The files in name order, in groups, each with whether it is read by one DuckDB call
    (ga4_batch.py): runs of a GA4 source's new or changed NDJSON files, also a run of one (no
    sort, unlike the file-by-file reader), unless var ga4_load_batch_mb is 0; every other file
    alone, read by load_file. `currents`: each file's manifest entry."""
    if not isinstance(source, Ga4Source):
        return [([path], False) for path in prints]
    limit = int(float(project_var("ga4_load_batch_mb", DEFAULT_BATCH_MB)) * 2**20)
    groups: list[tuple[list[Path], bool]] = []
    pending: list[Path] = []

    def flush() -> None:
        groups.extend((batch, limit > 0) for batch in batches(pending, limit))
        pending.clear()

    for path in prints:
        if batchable(path) and not _unchanged(currents[path], prints[path]):
            pending.append(path)
            continue
        flush()
        groups.append(([path], False))
    flush()
    return groups


def load_source(
    con: duckdb.DuckDBPyConnection, landing: Path, source: Source, policy: str | None = None
) -> SourceReport:
    """Load every file of one source in name order (policy: the configured one unless given);
    a rejected file is reported and the next one still loads."""
    policy = policy or policy_for(source.table, list(all_raw_tables()))
    report = SourceReport(source.table, policy)
    prints: dict[Path, manifest.Fingerprint] = {}
    currents: dict[Path, manifest.Entry | None] = {}
    for path in files_of(landing, source):
        rel = path.relative_to(landing).as_posix()
        currents[path] = manifest.current(con, rel)
        prints[path] = manifest.fingerprint(path, currents[path])
        manifest.remember_stat(con, rel, currents[path], prints[path])
    for group, read_together in _read_groups(source, prints, currents):
        outcomes: dict[str, FileOutcome] = {}
        if read_together and isinstance(source, Ga4Source):
            started = time.perf_counter()
            batch = read_batch(con, group, source)
            try:
                batched = _load_batch(con, landing, source, batch, prints)
            finally:
                batch.drop()
            batch_seconds = time.perf_counter() - started
            for outcome in batched:  # the batch's time, shared out over its files
                outcome.seconds = batch_seconds / len(batched)
                outcomes[outcome.file_path] = outcome
        for path in group:
            rel = path.relative_to(landing).as_posix()
            if rel not in outcomes:
                started = time.perf_counter()
                try:
                    outcome = load_file(con, landing, path, source, policy, prints[path])
                except LoadError as error:
                    outcome = FileOutcome(error.file, "failed", error=error)
                outcome.seconds = time.perf_counter() - started
                outcomes[rel] = outcome
            report.files.append(outcomes[rel])
            progress.report(outcomes[rel].progress_line(source.table))
    for path in unclaimed_files(landing, source):
        report.files.append(check_unclaimed(con, landing, path, source))
    return report


def load_all(
    warehouse: Path, landing: Path, policy: str | None = None, raise_rejected: bool = True
) -> list[SourceReport]:
    """Load every source; then raise the first rejected file's LoadError (unless told not to)."""
    con = connect(warehouse)
    try:
        reports = [load_source(con, landing, source, policy) for source in all_sources()]
    finally:
        con.close()
    errors = [error for report in reports for error in report.errors]
    if errors and raise_rejected:
        raise errors[0]
    return reports
