"""The dbt project (repo root) as Dagster assets; dbt tests become asset checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from orchestration.config import PROJECT_DIR
from orchestration.raw_assets import DUCKDB_POOL

dbt_project = DbtProject(project_dir=PROJECT_DIR)


def ensure_manifest(project: DbtProject = dbt_project) -> None:
    """Parse the project when no manifest exists (a fresh clone, CI), and under `dagster dev`."""
    project.prepare_if_dev()
    if not project.manifest_path.exists():
        project.preparer.prepare(project)


ensure_manifest()


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, pool=DUCKDB_POOL)
def journey_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    yield from dbt.cli(["build"], context=context).stream()
