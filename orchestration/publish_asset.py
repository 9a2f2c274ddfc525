"""The last step of the nightly job: publish the audited build, and record every run's outcome.

`published/warehouse` depends on every dbt asset, so it runs only when every loader step and the
dbt step succeeded: a failed load skips dbt, and a failed model or error-level test fails the dbt
step (dagster-dbt's error-severity checks are blocking, and the step raises on the audit). It checks
the recorded audit once more, publishes (orchestration.publish) and finishes the run record, which
it also returns as materialization metadata. `record_failure`, a failure hook on every step, writes
the failed-run record when a step fails.
"""

import json
from datetime import datetime
from typing import Any

import dagster as dg

from orchestration import publish, run_records
from orchestration.dbt_assets import journey_dbt_assets
from orchestration.loaders.landing import connect
from orchestration.raw_assets import DUCKDB_POOL
from orchestration.resources import WarehouseResource

PUBLISH_KEY = dg.AssetKey(["published", "warehouse"])


class PublishConfig(dg.Config):
    enabled: bool = True  # False: load, build and test only (journey run --no-publish)
    # True: every mart is written into the published file anew instead of copying the marts file,
    # whose freed blocks may still hold erased rows (journey forget; orchestration/publish.py)
    rewrite: bool = False


def _started(record: dict[str, Any]) -> datetime:
    return record.get("started_at") or run_records.utc_now()


def _metadata(record: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "status",
        "published",
        "reason",
        "files_loaded",
        "files_replaced",
        "files_skipped",
        "files_failed",
        "rows_loaded",
        "models_built",
        "tests_passed",
        "tests_failed",
        "tests_warned",
        "freshness_status",
        "publish_seconds",
        "published_bytes",
        "published_path",
    )
    metadata: dict[str, Any] = {k: record[k] for k in keep if record.get(k) is not None}
    for name in ("rows_per_model", "freshness"):
        if record.get(name):
            metadata[name] = dg.MetadataValue.json(json.loads(record[name]))
    return metadata


@dg.asset(
    key=PUBLISH_KEY,
    deps=list(journey_dbt_assets.keys),
    group_name="publish",
    kinds={"duckdb"},
    pool=DUCKDB_POOL,
    description="The published DuckDB file BI tools open read-only: the audited marts and "
    "marts.pipeline_runs, swapped in atomically when every load, model and error-level test passed.",
)
def published_warehouse(
    context: dg.AssetExecutionContext, config: PublishConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    run_id = context.run.run_id
    con = connect(warehouse.warehouse)
    try:
        run_records.ensure(con)
        record = run_records.get(con, run_id) or {}
        stats = run_records.load_stats(con, warehouse.landing, _started(record))
        counts = run_records.rows_per_model(con)
        run_records.update(con, run_id, rows_per_model=counts, **stats)
        problems = []
        if stats["files_failed"]:
            problems.append(f"{stats['files_failed']} landing file(s) failed to load")
        if record.get("tests_failed") or record.get("models_failed"):
            problems.append(f"dbt reported failures: {record.get('failures')}")
        if record.get("tests_passed") is None:
            problems.append("no dbt build results recorded for this run")
        if problems:
            raise dg.Failure(description="not published: " + "; ".join(problems))
        if not config.enabled:
            run_records.finish(
                con, run_id, "built", published=False, reason="publishing switched off"
            )
        else:
            final = {
                "status": "published",
                "published": True,
                "finished_at": run_records.utc_now(),
                "published_path": str(warehouse.published),
            }
            result = publish.publish(
                con,
                warehouse.published,
                run_id,
                lambda c, table: run_records.copy_into(c, table, run_id, **final),
                rewrite=config.rewrite,
            )
            run_records.update(
                con,
                run_id,
                publish_seconds=round(result.seconds, 3),
                published_bytes=result.bytes,
                **final,
            )
        con.execute("checkpoint")
        record = run_records.get(con, run_id) or {}
    finally:
        con.close()
    context.log.info(
        f"run {run_id}: {record.get('status')}; published file {warehouse.published}"
        + (f" ({record.get('published_bytes'):,} bytes)" if record.get("published_bytes") else "")
    )
    return dg.MaterializeResult(metadata=_metadata(record))


def _error_text(context: dg.HookContext) -> str:
    error = context.op_exception
    if isinstance(error, dg.Failure) and error.description:
        return error.description
    return str(error).strip().splitlines()[0] if error is not None and str(error) else "failed"


@dg.failure_hook(required_resource_keys={"warehouse"})
def record_failure(context: dg.HookContext) -> None:
    """A step failed: the run is failed and will not publish; say which step and why."""
    warehouse: WarehouseResource = context.resources.warehouse
    run_id = context.run_id
    reason = f"{context.step_key}: {_error_text(context)}"
    try:
        con = connect(warehouse.warehouse)
    except Exception as error:  # e.g. the working file is locked by another process
        context.log.error(f"could not record the failure of run {run_id}: {error}")
        return
    try:
        run_records.ensure(con)
        record = run_records.get(con, run_id) or {}
        stats = run_records.load_stats(con, warehouse.landing, _started(record))
        run_records.update(con, run_id, rows_per_model=run_records.rows_per_model(con), **stats)
        run_records.fail(con, run_id, reason)
        con.execute("checkpoint")
    finally:
        con.close()
