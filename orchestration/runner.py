"""Run the nightly job in this process (journey run / journey forget) and report its run record."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from orchestration import run_records
from orchestration.resources import TRIGGER_TAG


@dataclass
class RunOutcome:
    success: bool
    seconds: float
    record: dict[str, Any]
    errors: list[str]
    publish_metadata: dict[str, Any]  # what the Dagster UI shows on published/warehouse
    run_id: str = ""
    step_seconds: dict[str, float] = field(default_factory=dict)  # wall time of each Dagster step

    @property
    def published(self) -> bool:
        return bool(self.record.get("published"))


def read_record(warehouse: Path, run_id: str) -> dict[str, Any]:
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return {}
    try:
        return run_records.get(con, run_id) or {}
    except duckdb.Error:
        return {}
    finally:
        con.close()


def run_nightly(
    landing: Path,
    warehouse: Path,
    published: Path,
    *,
    publish: bool = True,
    rewrite_published: bool = False,
    skip_unit_tests: bool = False,
    full_refresh: bool = False,
    build_all: bool = False,
    trigger: str = "journey run",
    log_level: str = "INFO",
) -> RunOutcome:
    from orchestration.definitions import build_definitions
    from orchestration.publish_asset import PUBLISH_KEY

    started = time.perf_counter()
    defs = build_definitions(landing, warehouse, published)
    job = defs.resolve_job_def("nightly")
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            tags={TRIGGER_TAG: trigger},
            run_config={
                "loggers": {"console": {"config": {"log_level": log_level}}},
                "ops": {
                    "published__warehouse": {
                        "config": {"enabled": publish, "rewrite": rewrite_published}
                    },
                    "journey_dbt_assets": {
                        "config": {
                            "skip_unit_tests": skip_unit_tests,
                            "full_refresh": full_refresh,
                            "build_all": build_all,
                        }
                    },
                },
            },
        )
        steps = step_seconds(instance, result.run_id)
    publish_metadata: dict[str, Any] = {}
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        if materialization.asset_key == PUBLISH_KEY:
            publish_metadata = {k: v.value for k, v in materialization.metadata.items()}
    errors = []
    for event in result.all_events:
        if event.is_failure and event.step_key and event.event_specific_data is not None:
            error = getattr(event.event_specific_data, "error", None)
            if error is not None:
                errors.append(f"{event.step_key}: {error.message.strip()}")
    return RunOutcome(
        result.success,
        time.perf_counter() - started,
        read_record(warehouse, result.run_id),
        errors,
        publish_metadata,
        result.run_id,
        steps,
    )


def step_seconds(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    """Wall seconds from each step's start to its success or failure, in start order."""
    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            started[event.step_key] = entry.timestamp
        elif (
            event.event_type
            in (
                dg.DagsterEventType.STEP_SUCCESS,
                dg.DagsterEventType.STEP_FAILURE,
            )
            and event.step_key in started
        ):
            seconds[event.step_key] = entry.timestamp - started[event.step_key]
    return seconds


def report(outcome: RunOutcome, warehouse: Path, published: Path) -> None:
    """Print what the run did; failures and the publish verdict on stderr."""
    record = outcome.record
    if outcome.success:
        print(
            f"nightly job succeeded in {outcome.seconds:.1f}s; working file {warehouse}; "
            f"tests passed {record.get('tests_passed')}, warned {record.get('tests_warned')}; "
            f"source freshness {record.get('freshness_status')}"
        )
        if outcome.published:
            print(
                f"published {published} ({record.get('published_bytes') or 0:,} bytes in "
                f"{record.get('publish_seconds') or 0:.2f}s)"
            )
        else:
            print(f"not published ({record.get('reason')}); {published} unchanged")
        return
    for error in outcome.errors:
        print(error, file=sys.stderr)
    reason = record.get("reason") or (outcome.errors[0] if outcome.errors else "unknown")
    print(
        f"nightly job FAILED after {outcome.seconds:.1f}s: {reason}\n"
        f"NOT published: {published} is unchanged (working file {warehouse}; "
        f"run record {record.get('run_id', '?')} in ops.pipeline_runs)",
        file=sys.stderr,
    )
