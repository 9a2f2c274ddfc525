"""raw.load_manifest: one row per file outcome that changed something or needs attention.

Statuses: loaded, replaced (its rows now in raw), failed (rejected, nothing of it loaded),
duplicate (same content as another file already loaded: skipped), ignored (in a source folder but
no source's file pattern; not loaded).
"""

from __future__ import annotations

import hashlib
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
  quarantined_rows BIGINT          -- bad rows kept in raw.quarantine (policy quarantine_rows)
)
"""
# Warehouses created before quarantined_rows existed get it added.
MANIFEST_MIGRATIONS = (
    f"ALTER TABLE {MANIFEST_TABLE} ADD COLUMN IF NOT EXISTS quarantined_rows BIGINT",
)

LOADED_STATUSES = ("loaded", "replaced")
# Statuses that say what raw holds of a path now: its rows (loaded, replaced) or none (duplicate).
_HOLDING_STATUSES = (*LOADED_STATUSES, "duplicate")


@dataclass(frozen=True)
class Fingerprint:
    size: int
    sha256: str


@dataclass(frozen=True)
class Entry:
    file_hash: str
    status: str

    @property
    def has_rows(self) -> bool:
        return self.status in LOADED_STATUSES


def fingerprint(path: Path) -> Fingerprint:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return Fingerprint(size=path.stat().st_size, sha256=digest.hexdigest())


def _latest(
    con: duckdb.DuckDBPyConnection, file_path: str, statuses: tuple[str, ...]
) -> Entry | None:
    rows = con.execute(
        f"""
        select file_hash, status from {MANIFEST_TABLE}
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
            loaded_at, status, message, quarantined_rows)
        values (?, ?, ?, ?, ?, cast(timezone('UTC', now()) as timestamp), ?, ?, ?)
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
        ],
    )
