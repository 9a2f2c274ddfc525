"""Dagster code location: loaders, dbt models, publish, the nightly job and its 02:00 schedule."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from orchestration.config import (
    WAREHOUSE_ENV,
    landing_dir,
    published_path,
    schedule_timezone,
    warehouse_path,
)
from orchestration.dbt_assets import dbt_resource, journey_dbt_assets
from orchestration.publish_asset import published_warehouse, record_failure
from orchestration.raw_assets import raw_assets
from orchestration.report_assets import journey_report
from orchestration.resources import WarehouseResource

NIGHTLY_CRON = "0 2 * * *"

nightly_job = dg.define_asset_job(
    name="nightly",
    selection=dg.AssetSelection.all(),
    description="Load every landing-folder export into raw, dbt build (models + tests) in the working "
    "file, and publish the marts for BI only when every load and error-level test passed.",
    # In-process: one process writes DuckDB at a time, steps run in dependency order.
    executor_def=dg.in_process_executor,
    # Every failed step writes the run's failure into ops.pipeline_runs (marts.pipeline_runs).
    hooks={record_failure},
)


def nightly_schedule() -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="nightly_at_two",
        job=nightly_job,
        cron_schedule=NIGHTLY_CRON,
        execution_timezone=schedule_timezone(),
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )


def build_definitions(
    landing: str | Path | None = None,
    warehouse: str | Path | None = None,
    published: str | Path | None = None,
) -> dg.Definitions:
    landing_path = landing_dir(landing)
    warehouse_file = warehouse_path(warehouse)
    published_file = published_path(published, warehouse_file)
    # dbt reads the warehouse path from this variable (profiles.yml).
    os.environ[WAREHOUSE_ENV] = str(warehouse_file)
    return dg.Definitions(
        assets=[*raw_assets, journey_dbt_assets, published_warehouse, journey_report],
        jobs=[nightly_job],
        schedules=[nightly_schedule()],
        resources={
            "warehouse": WarehouseResource(
                landing_dir=str(landing_path),
                warehouse_path=str(warehouse_file),
                published_path=str(published_file),
            ),
            "dbt": dbt_resource(),
        },
    )


defs = build_definitions()
