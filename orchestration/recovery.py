"""Start of every run: one run at a time, clean up after killed runs, recover the working file.

- A run holds an exclusive flock on `<working file>.run.lock` from its first step to the end of the
  process (the kernel drops it when the process dies, also on SIGKILL). A second run fails at once
  with a clear message instead of fighting over DuckDB's write lock between steps.
- Temp files of publishes that never finished are deleted (the published file itself is never
  touched here).
- The working file is opened once. DuckDB replays its write-ahead log, so a run killed during a load
  or during dbt leaves committed work in place and uncommitted work rolled back: each loaded file
  is one transaction together with its raw.load_manifest row, so the next run reloads exactly the
  files whose load did not commit. If the file cannot be opened at all (not a DuckDB file, damaged),
  it is moved aside as `<name>.unusable-<UTC time>` (never deleted) and a fresh working file is
  built from the landing folder; the run history is re-seeded from the published file and the
  tombstones from their ledger, so erased persons stay erased.
- Runs left `running` by a killed process are closed (`interrupted`, or `published` when the
  published file shows the switch happened).
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration import crashpoints, privacy, publish, run_records
from orchestration.config import marts_file
from orchestration.loaders.sql import quote_literal

_HELD_LOCKS: dict[Path, list[int]] = {}  # lock file -> [fd, holders in this process]


class RunInProgressError(RuntimeError):
    """Another process is running the pipeline on the same working file."""


def lock_path(working: Path) -> Path:
    return working.with_name(f"{working.name}.run.lock")


def acquire_run_lock(working: Path) -> None:
    """Take the run lock for this process (re-entrant within the process; freed at exit)."""
    path = lock_path(working)
    if path in _HELD_LOCKS:
        _HELD_LOCKS[path][1] += 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 64, 0).decode(errors="replace").strip()
        os.close(fd)
        raise RunInProgressError(
            f"another run is in progress on {working} (lock {path}, pid {holder or '?'}); "
            "wait for it to finish"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    _HELD_LOCKS[path] = [fd, 1]


def release_run_lock(working: Path) -> None:
    """Give back one hold of the run lock; the last holder in this process unlocks it."""
    path = lock_path(working)
    held = _HELD_LOCKS.get(path)
    if held is None:
        return
    held[1] -= 1
    if held[1] <= 0:
        del _HELD_LOCKS[path]
        os.close(held[0])


@dataclass
class Preparation:
    notes: list[str] = field(default_factory=list)


def _usable(path: Path) -> str | None:
    """None when the DuckDB file opens (or does not exist yet); else DuckDB's error."""
    if not path.exists():
        return None
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise RunInProgressError(
                f"{path} (the working warehouse) is locked: {error}"
            ) from error
        return str(error)
    except duckdb.Error as error:
        return str(error)
    try:
        con.execute("select count(*) from duckdb_tables()").fetchall()
        return None
    except duckdb.Error as error:
        return str(error)
    finally:
        con.close()


def _move_aside(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.unusable-{stamp}")
    os.replace(path, target)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        os.replace(wal, target.with_name(target.name + ".wal"))
    return target


def _reseed_runs(con: duckdb.DuckDBPyConnection, published: Path) -> int:
    if not published.exists():
        return 0
    if con.execute(f"select count(*) from {run_records.RUNS_TABLE}").fetchall()[0][0]:
        return 0
    con.execute(f"attach {quote_literal(str(published))} as journey_published (read_only)")
    try:
        published_columns = {
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns where table_catalog = "
                "'journey_published' and table_schema = 'marts' and table_name = 'pipeline_runs'"
            ).fetchall()
        }
        # a file published by an earlier version lacks the columns added since
        columns = ", ".join(f'"{c}"' for c in run_records.RUNS_COLUMNS if c in published_columns)
        con.execute(
            f"insert into {run_records.RUNS_TABLE} ({columns}) "
            f"select {columns} from journey_published.marts.pipeline_runs"
        )
        return con.execute(f"select count(*) from {run_records.RUNS_TABLE}").fetchall()[0][0]
    except duckdb.Error:
        return 0
    finally:
        con.execute("detach journey_published")


def prepare_run(working: Path, published: Path, run_id: str, trigger: str) -> Preparation:
    """Everything a run does before its first load; idempotent for the same run id."""
    acquire_run_lock(working)
    try:
        return _prepare(working, published, run_id, trigger)
    except BaseException:
        release_run_lock(working)
        raise


def _prepare(working: Path, published: Path, run_id: str, trigger: str) -> Preparation:
    prep = Preparation()
    removed = publish.remove_temp_files(published)
    if removed:
        prep.notes.append(f"removed {len(removed)} temp file(s) of an unfinished publish")
    # the working file and its marts file are one warehouse: either unusable, both move aside
    files = [working, marts_file(working)]
    problems = [(path, problem) for path in files if (problem := _usable(path)) is not None]
    if problems:
        moved = [_move_aside(path).name for path in files if path.exists()]
        path, problem = problems[0]
        prep.notes.append(
            f"{path.name} unusable ({problem.splitlines()[0]}); moved to {', '.join(moved)}, "
            "rebuilding from the landing folder"
        )
    working.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(working))
    try:
        run_records.ensure(con)
        reseeded = _reseed_runs(con, published)
        if reseeded:
            prep.notes.append(f"run history re-seeded from {published} ({reseeded} runs)")
        added = privacy.ensure(con, working)
        if added:
            prep.notes.append(f"{added} tombstone(s) restored from {privacy.ledger_path(working)}")
        closed = run_records.reconcile(con, run_id, run_records.published_statuses(published))
        if closed:
            prep.notes.append(f"closed {len(closed)} unfinished run record(s): {', '.join(closed)}")
        run_records.start(con, run_id, trigger)
        if prep.notes:
            run_records.update(con, run_id, notes="; ".join(prep.notes))
        con.execute("checkpoint")
    finally:
        con.close()
    crashpoints.reached("load", str(working))
    return prep
