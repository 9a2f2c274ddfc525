"""raw.load_manifest: one row per file outcome that changed something or needs attention.

Statuses: loaded, replaced (its rows now in raw), failed (rejected, nothing of it loaded),
duplicate (same content as another file already loaded: skipped), ignored (in a source folder but
no source's file pattern; not loaded).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

MANIFEST_TABLE = "raw.load_manifest"
MANIFEST_DDL = f"""
CREATE TABLE IF NOT EXISTS {MANIFEST_TABLE} (
  file_path VARCHAR NOT NULL,      -- relative to the landing folder
  source_table VARCHAR NOT NULL,   -- raw table the file loads into
  file_size BIGINT NOT NULL,       -- bytes
  file_hash VARCHAR NOT NULL,      -- sha256 of the file's bytes
  row_count BIGINT,                -- rows loaded (null when failed)
  loaded_at TIMESTAMP NOT NULL,    -- UTC
  status VARCHAR NOT NULL,         -- loaded | replaced | failed | duplicate | ignored
  message VARCHAR,                 -- why it failed or was skipped, or notes (new columns, header only)
  quarantined_rows BIGINT,         -- bad rows kept in raw.quarantine (policy quarantine_rows)
  file_stat VARCHAR                -- the file version on disk: device, inode, size, mtime, ctime
)
"""
# Warehouses created before quarantined_rows / file_stat existed get them added.
MANIFEST_MIGRATIONS = (
    f"ALTER TABLE {MANIFEST_TABLE} ADD COLUMN IF NOT EXISTS quarantined_rows BIGINT",
    f"ALTER TABLE {MANIFEST_TABLE} ADD COLUMN IF NOT EXISTS file_stat VARCHAR",
)

LOADED_STATUSES = ("loaded", "replaced")
# Statuses that say what raw holds of a path now: its rows (loaded, replaced) or none (duplicate).
_HOLDING_STATUSES = (*LOADED_STATUSES, "duplicate")


@dataclass(frozen=True)
class Fingerprint:
    size: int
    sha256: str
    stat: str | None = None  # file_stat of the file when the fingerprint was taken


@dataclass(frozen=True)
class Entry:
    file_hash: str
    status: str
    file_stat: str | None = None

    @property
    def has_rows(self) -> bool:
        return self.status in LOADED_STATUSES


# A file changed less than this long ago may change again within the file system's timestamp
# resolution without its stat changing ("racy" in git's words): its stat is not trusted.
RACY_SECONDS = 2.0


def file_stat(st: os.stat_result) -> str | None:
    """The version of a file on disk: device, inode, size, modification and change time (ns);
    None for a file changed in the last RACY_SECONDS. Every write to a file moves its change time,
    which no tool can set back."""
    if time.time_ns() - st.st_ctime_ns < RACY_SECONDS * 1e9:
        return None
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(path: Path, recorded: Entry | None = None) -> Fingerprint:
    """Size and sha256 of the file. The hash is taken from `recorded` (the manifest's entry of this
    path) without reading the file when the file is still the version that entry recorded (same
    file_stat): a nightly run then does not read 90 days of unchanged exports again (5 s of the
    nightly run at 10M events, about a minute at 100M)."""
    st = path.stat()
    stat = file_stat(st)
    if stat is not None and recorded is not None and recorded.file_stat == stat:
        return Fingerprint(size=st.st_size, sha256=recorded.file_hash, stat=stat)
    return Fingerprint(size=st.st_size, sha256=sha256_of(path), stat=stat)


def remember_stat(
    con: duckdb.DuckDBPyConnection, file_path: str, recorded: Entry | None, print_: Fingerprint
) -> None:
    """Record the stat of a file found unchanged by its hash whose recorded stat is missing, racy
    or from before a copy (`recorded`: the manifest's entry of the path), so the next run need not
    read it again."""
    if (
        print_.stat is None
        or recorded is None
        or recorded.file_hash != print_.sha256
        or recorded.file_stat == print_.stat
    ):
        return
    con.execute(
        f"update {MANIFEST_TABLE} set file_stat = ? where file_path = ? and file_hash = ?",
        [print_.stat, file_path, print_.sha256],
    )


def _latest(
    con: duckdb.DuckDBPyConnection, file_path: str, statuses: tuple[str, ...]
) -> Entry | None:
    rows = con.execute(
        f"""
        select file_hash, status, file_stat from {MANIFEST_TABLE}
        where file_path = ? and status in {statuses}
        order by loaded_at desc limit 1
        """,
        [file_path],
    ).fetchall()
    return Entry(*rows[0]) if rows else None


def current(con: duckdb.DuckDBPyConnection, file_path: str) -> Entry | None:
    """The version of this path raw reflects now: loaded/replaced (its rows) or duplicate (none)."""
    return _latest(con, file_path, _HOLDING_STATUSES)


def last_ignored(con: duckdb.DuckDBPyConnection, file_path: str) -> Entry | None:
    return _latest(con, file_path, ("ignored",))


def loaded_elsewhere(
    con: duckdb.DuckDBPyConnection, source_table: str, file_hash: str, file_path: str
) -> str | None:
    """Another file of the same table whose rows in raw now have exactly this content."""
    rows = con.execute(
        f"""
        select file_path from (
            select file_path, file_hash, status,
                row_number() over (partition by file_path order by loaded_at desc) as recency
            from {MANIFEST_TABLE}
            where source_table = ? and status in {_HOLDING_STATUSES}
        )
        where recency = 1 and status in {LOADED_STATUSES} and file_hash = ? and file_path <> ?
        order by file_path limit 1
        """,
        [source_table, file_hash, file_path],
    ).fetchall()
    return rows[0][0] if rows else None


def record(
    con: duckdb.DuckDBPyConnection,
    file_path: str,
    source_table: str,
    print_: Fingerprint,
    status: str,
    row_count: int | None = None,
    message: str | None = None,
    quarantined_rows: int | None = None,
) -> None:
    con.execute(
        f"""
        insert into {MANIFEST_TABLE} (file_path, source_table, file_size, file_hash, row_count,
            loaded_at, status, message, quarantined_rows, file_stat)
        values (?, ?, ?, ?, ?, cast(timezone('UTC', now()) as timestamp), ?, ?, ?, ?)
        """,
        [
            file_path,
            source_table,
            print_.size,
            print_.sha256,
            row_count,
            status,
            message,
            quarantined_rows,
            print_.stat,
        ],
    )
