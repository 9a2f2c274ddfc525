"""The dbt project (repo root) as Dagster assets; dbt tests become asset checks."""

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.dbt_project import using_dagster_dev
from pydantic import Field

from orchestration.config import PROJECT_DIR
from orchestration.raw_assets import DUCKDB_POOL

# The dbt installed beside this Python (the venv's), also when the venv is not activated.
_VENV_DBT = Path(sys.executable).parent / "dbt"
DBT_EXECUTABLE = str(_VENV_DBT) if _VENV_DBT.exists() else (shutil.which("dbt") or "dbt")


dbt_project = DbtProject(project_dir=PROJECT_DIR)


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)


_PROJECT_INPUTS = (
    "models",
    "macros",
    "seeds",
    "tests/data_tests",
    "dbt_project.yml",
    "profiles.yml",
)


def manifest_is_stale() -> bool:
    """True when no manifest exists (a fresh clone, CI) or a project file changed after it."""
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    for name in _PROJECT_INPUTS:
        path = PROJECT_DIR / name
        files = path.rglob("*") if path.is_dir() else [path]
        if any(f.is_file() and f.stat().st_mtime > built for f in files):
            return True
    return False


def ensure_manifest() -> None:
    """Parse the project under `dagster dev` and whenever the manifest is missing or stale.

    dagster-dbt's own preparer only acts under `dagster dev` and calls a `dbt` found on PATH.
    """
    if using_dagster_dev() or manifest_is_stale():
        dbt_resource().cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()


ensure_manifest()


class DbtBuildConfig(dg.Config):
    """Run config of the dbt step (Dagster launchpad, `journey run --full-refresh`)."""

    full_refresh: bool = Field(
        default=False,
        description="Rebuild the incremental models from scratch (dbt build --full-refresh).",
    )


def dbt_build_args(full_refresh: bool = False) -> list[str]:
    """The dbt command of the nightly job: `build`, with `--full-refresh` when asked."""
    return ["build", "--full-refresh"] if full_refresh else ["build"]


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, pool=DUCKDB_POOL)
def journey_dbt_assets(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> Iterator[Any]:
    yield from dbt.cli(dbt_build_args(config.full_refresh), context=context).stream()


def full_refresh_run_config(full_refresh: bool) -> dict[str, Any]:
    """Run config that sets DbtBuildConfig.full_refresh of the dbt step."""
    return {"ops": {journey_dbt_assets.op.name: {"config": {"full_refresh": full_refresh}}}}
