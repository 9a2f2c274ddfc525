"""raw.load_manifest: one row per file load that changed something (loaded, replaced, failed)."""

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
  status VARCHAR NOT NULL,         -- loaded | replaced | failed
  message VARCHAR                  -- why it failed, or notes such as extra columns
)
"""

LOADED_STATUSES = ("loaded", "replaced")


@dataclass(frozen=True)
class Fingerprint:
    size: int
    sha256: str


def fingerprint(path: Path) -> Fingerprint:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return Fingerprint(size=path.stat().st_size, sha256=digest.hexdigest())


def loaded_hash(con: duckdb.DuckDBPyConnection, file_path: str) -> str | None:
    """Hash of the version of this file whose rows are in raw now, if any."""
    rows = con.execute(
        f"""
        select file_hash from {MANIFEST_TABLE}
        where file_path = ? and status in {LOADED_STATUSES}
        order by loaded_at desc limit 1
        """,
        [file_path],
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
) -> None:
    con.execute(
        f"""
        insert into {MANIFEST_TABLE}
        values (?, ?, ?, ?, ?, cast(timezone('UTC', now()) as timestamp), ?, ?)
        """,
        [file_path, source_table, print_.size, print_.sha256, row_count, status, message],
    )
