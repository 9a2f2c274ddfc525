"""Run records: one row per run in ops.pipeline_runs (working file), published as marts.pipeline_runs.

A run inserts its row when it starts (status `running`), the dbt step adds the test and freshness
results, and the run ends as `published`, `built` (tests passed, publishing switched off) or
`failed` (with the reason). A run that never finishes (killed) is marked `interrupted` by the next
run. The table lives in the working file, so it survives publishes; every publish copies the whole
history into the published file, so a failed run's record is visible in the working file at once
and in the NEXT published version.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from orchestration import marts_db
from orchestration.loaders.landing import all_sources, files_of
from orchestration.loaders.sql import quote_ident

RUNS_TABLE = "ops.pipeline_runs"
RUNS_COLUMNS: dict[str, str] = {
    "run_id": "VARCHAR NOT NULL",  # Dagster run id
    "trigger": "VARCHAR",  # journey run | journey forget | dagster
    "started_at": "TIMESTAMP",  # UTC
    "finished_at": "TIMESTAMP",  # UTC
    "status": "VARCHAR NOT NULL",  # running | published | built | failed | interrupted
    "published": "BOOLEAN NOT NULL",  # this run's marts are (or were) the published version
    "reason": "VARCHAR",  # why it failed / was not published
    "notes": "VARCHAR",  # recovery done at the start (temp files removed, file rebuilt, ...)
    "files_loaded": "INTEGER",  # new landing files loaded
    "files_replaced": "INTEGER",  # re-delivered files whose rows were replaced
    "files_skipped": "INTEGER",  # landing files not loaded (unchanged, or not reached)
    "files_failed": "INTEGER",  # files rejected by the loader (raw.load_manifest status failed)
    "rows_loaded": "BIGINT",  # raw rows written by this run
    "models_built": "INTEGER",
    "models_failed": "INTEGER",
    "models_skipped": "INTEGER",
    "tests_passed": "INTEGER",  # dbt data tests and unit tests
    "tests_failed": "INTEGER",  # failed or errored
    "tests_warned": "INTEGER",  # failed warn-level tests
    "tests_skipped": "INTEGER",
    "models_unchanged": "INTEGER",  # models and seeds left out: no changed source reaches them
    "tests_unchanged": "INTEGER",  # data tests left out with them
    "build_plan": "VARCHAR",  # why everything was built, or which sources changed
    "failures": "VARCHAR",  # failed tests / models, '; '-separated
    "freshness_status": "VARCHAR",  # pass | warn | error | not checked
    "freshness": "VARCHAR",  # JSON {source.table: {status, hours_since_load}}
    "rows_per_model": "VARCHAR",  # JSON {schema.table: rows} of every table dbt built
    "publish_seconds": "DOUBLE",
    "published_bytes": "BIGINT",
    "published_path": "VARCHAR",
}
MODEL_SCHEMAS = ("staging", "intermediate", "marts")
_SCRATCH = ("__dbt_tmp", "__dbt_backup")


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    body = ", ".join(f"{quote_ident(name)} {kind}" for name, kind in RUNS_COLUMNS.items())
    con.execute("create schema if not exists ops")
    con.execute(f"create table if not exists {RUNS_TABLE} ({body})")
    for name, kind in RUNS_COLUMNS.items():  # columns added by a later version of this module
        plain = kind.replace(" NOT NULL", "")
        con.execute(
            f"alter table {RUNS_TABLE} add column if not exists {quote_ident(name)} {plain}"
        )


def get(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any] | None:
    cursor = con.execute(f"select * from {RUNS_TABLE} where run_id = ?", [run_id])
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def update(con: duckdb.DuckDBPyConnection, run_id: str, **fields: Any) -> None:
    """Set fields of a run's record, creating the record (status running) if it is missing."""
    unknown = set(fields) - set(RUNS_COLUMNS)
    if unknown:
        raise ValueError(f"not run-record columns: {sorted(unknown)}")
    values = {
        k: json.dumps(v, sort_keys=True) if isinstance(v, dict) else v for k, v in fields.items()
    }
    if get(con, run_id) is None:
        values = {"started_at": utc_now(), "status": "running", "published": False} | values
        names = ["run_id", *values]
        con.execute(
            f"insert into {RUNS_TABLE} ({', '.join(quote_ident(n) for n in names)}) "
            f"values ({', '.join('?' for _ in names)})",
            [run_id, *values.values()],
        )
        return
    if values:
        assignments = ", ".join(f"{quote_ident(name)} = ?" for name in values)
        con.execute(
            f"update {RUNS_TABLE} set {assignments} where run_id = ?", [*values.values(), run_id]
        )


def start(con: duckdb.DuckDBPyConnection, run_id: str, trigger: str) -> None:
    if get(con, run_id) is None:
        update(con, run_id, trigger=trigger, started_at=utc_now(), status="running")


def finish(con: duckdb.DuckDBPyConnection, run_id: str, status: str, **fields: Any) -> None:
    update(con, run_id, status=status, finished_at=utc_now(), **fields)


def fail(con: duckdb.DuckDBPyConnection, run_id: str, reason: str) -> None:
    """Mark a run failed; a second failing step of the same run adds its reason."""
    record = get(con, run_id) or {}
    previous = record.get("reason") if record.get("status") == "failed" else None
    reason = reason if not previous or reason in previous else f"{previous}; {reason}"
    finish(con, run_id, "failed", published=False, reason=reason)


def reconcile(
    con: duckdb.DuckDBPyConnection, current_run_id: str, published_runs: dict[str, str]
) -> list[str]:
    """Close records of runs that never finished: `published` if the published file carries them
    as published (killed after the switch), else `interrupted`. Returns the run ids closed."""
    open_runs = [
        run_id
        for (run_id,) in con.execute(
            f"select run_id from {RUNS_TABLE} where status = 'running' and run_id <> ?",
            [current_run_id],
        ).fetchall()
    ]
    for run_id in open_runs:
        if published_runs.get(run_id) == "published":
            update(con, run_id, status="published", published=True)
        else:
            update(
                con,
                run_id,
                status="interrupted",
                published=False,
                reason="the run stopped before it finished (process killed, or a partial run "
                "without the publish step); the published file was not changed by it",
            )
    return open_runs


def rows_per_model(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows of every table dbt built (staging / intermediate / marts); views are not counted."""
    database = con.execute("select current_database()").fetchall()[0][0]
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog in (?, ?) and table_type = 'BASE TABLE' and table_schema in ? "
        "order by 1, 2",
        [database, marts_db.CATALOG, list(MODEL_SCHEMAS)],
    ).fetchall()
    counts = {}
    for schema, name in tables:
        if name.endswith(_SCRATCH):
            continue
        counts[f"{schema}.{name}"] = con.execute(
            f"select count(*) from {quote_ident(schema)}.{quote_ident(name)}"
        ).fetchall()[0][0]
    return counts


def load_stats(con: duckdb.DuckDBPyConnection, landing: Path, since: datetime) -> dict[str, int]:
    """Files loaded / replaced / failed by this run (raw.load_manifest since it started), skipped."""
    by_status = dict(
        con.execute(
            "select status, count(distinct file_path) from raw.load_manifest "
            "where loaded_at >= ? group by status",
            [since],
        ).fetchall()
    )
    rows = con.execute(
        "select coalesce(sum(row_count), 0) from raw.load_manifest "
        "where loaded_at >= ? and status in ('loaded', 'replaced')",
        [since],
    ).fetchall()[0][0]
    landing_files = sum(len(files_of(landing, source)) for source in all_sources())
    touched = sum(by_status.values())
    return {
        "files_loaded": by_status.get("loaded", 0),
        "files_replaced": by_status.get("replaced", 0),
        "files_failed": by_status.get("failed", 0),
        "files_skipped": max(landing_files - touched, 0),
        "rows_loaded": int(rows),
    }


def copy_into(con: duckdb.DuckDBPyConnection, table: str, run_id: str, **final: Any) -> None:
    """Create `table` (another database's) as the run history, with this run's final fields."""
    con.execute(f"create table {table} as select * from {RUNS_TABLE}")
    values = {
        k: json.dumps(v, sort_keys=True) if isinstance(v, dict) else v for k, v in final.items()
    }
    if values:
        assignments = ", ".join(f"{quote_ident(name)} = ?" for name in values)
        con.execute(
            f"update {table} set {assignments} where run_id = ?", [*values.values(), run_id]
        )


def published_statuses(published: Path) -> dict[str, str]:
    """run_id -> status of the runs recorded in the published file (empty if there is none)."""
    if not published.exists():
        return {}
    try:
        con = duckdb.connect(str(published), read_only=True)
    except duckdb.Error:
        return {}
    try:
        return dict(con.execute("select run_id, status from marts.pipeline_runs").fetchall())
    except duckdb.Error:
        return {}
    finally:
        con.close()
