"""Bad rows: the temp table `bad_rows` every reader fills, and raw.quarantine where they are kept.

A reader puts the rows it cannot load into `bad_rows` (and only the good ones into `incoming`). The
policy then decides: reject the file (the first bad row becomes the LoadError) or keep them in
raw.quarantine beside the good rows, in the same transaction.
"""

from __future__ import annotations

import duckdb

from orchestration.loaders.errors import LoadError

QUARANTINE_TABLE = "raw.quarantine"
QUARANTINE_DDL = f"""
CREATE TABLE IF NOT EXISTS {QUARANTINE_TABLE} (
  source_table VARCHAR NOT NULL,   -- raw table the row was meant for
  file_path VARCHAR NOT NULL,      -- relative to the landing folder
  source_row BIGINT NOT NULL,      -- 1-based data row (NDJSON: line; Parquet: row)
  column_name VARCHAR,             -- header or field at fault; null when the whole row is
  reason VARCHAR NOT NULL,         -- why the row was not loaded
  value VARCHAR,                   -- the offending value, as delivered
  raw_record VARCHAR,              -- the row as delivered (CSV record, NDJSON line, Parquet row as JSON)
  loaded_at TIMESTAMP NOT NULL     -- UTC
)
"""

BAD_ROWS = "bad_rows"
_COLUMNS = "source_row, column_name, reason, value, raw_record"


def create_bad_rows(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"create or replace temp table {BAD_ROWS} (source_row BIGINT, column_name VARCHAR, "
        "reason VARCHAR, value VARCHAR, raw_record VARCHAR)"
    )


def add_bad_rows(con: duckdb.DuckDBPyConnection, select_sql: str) -> None:
    """Append the rows of a query yielding (source_row, column_name, reason, value, raw_record)."""
    con.execute(f"insert into {BAD_ROWS} ({_COLUMNS}) {select_sql}")


def bad_row_count(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute(f"select count(*) from {BAD_ROWS}").fetchall()[0][0]


def first_bad_row(
    con: duckdb.DuckDBPyConnection, rel: str, bad: int, good: int, why: str
) -> LoadError:
    """The earliest bad row as the file's error, saying how many more there are and why none load."""
    row, column, reason, value = con.execute(
        f"select source_row, column_name, reason, value from {BAD_ROWS} "
        "order by source_row, column_name nulls first limit 1"
    ).fetchall()[0]
    counted = f"1 of {bad} bad rows" if bad > 1 else "1 bad row"
    return LoadError(
        rel, reason, row=row, column=column, value=value, hint=f"{counted}, {good} good; {why}"
    )


def forget_file(con: duckdb.DuckDBPyConnection, file_path: str) -> None:
    con.execute(f"delete from {QUARANTINE_TABLE} where file_path = ?", [file_path])


def replace_file_rows(con: duckdb.DuckDBPyConnection, source_table: str, file_path: str) -> None:
    """Inside the file's transaction: its quarantined rows become exactly `bad_rows`."""
    forget_file(con, file_path)
    con.execute(
        f"""
        insert into {QUARANTINE_TABLE}
        select ?, ?, {_COLUMNS}, cast(timezone('UTC', now()) as timestamp)
        from {BAD_ROWS} order by source_row
        """,
        [source_table, file_path],
    )
