"""The dbt project (repo root) as Dagster assets; dbt tests become asset checks."""

import importlib.metadata
import json
import os
import secrets
import shutil
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.dbt_project import using_dagster_dev
from packaging import version
from pydantic import Field

from orchestration import build_state, crashpoints, dbt_audit, run_records
from orchestration.config import PROJECT_DIR
from orchestration.freshness import check_sources
from orchestration.loaders.landing import connect
from orchestration.raw_assets import DUCKDB_POOL
from orchestration.resources import WarehouseResource

# The dbt installed beside this Python (the venv's), also when the venv is not activated.
_VENV_DBT = Path(sys.executable).parent / "dbt"
DBT_EXECUTABLE = str(_VENV_DBT) if _VENV_DBT.exists() else (shutil.which("dbt") or "dbt")


dbt_project = DbtProject(project_dir=PROJECT_DIR)


class JourneyDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt CLI resource without the dbt adapter it builds in this process before every
    invocation. That adapter only serves `fetch_column_metadata` / `fetch_row_counts`, which this
    project does not use; building it (dbt's adapter imports, profile and project loading) took
    3.7 s of every run's dbt step (issue 8's benchmark)."""

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None

    @property
    def _cli_version(self) -> version.Version:  # type: ignore[override]
        """dbt-core's version from this environment's package metadata when the dbt executable is
        this environment's: dagster-dbt otherwise starts `dbt --version` before every invocation
        (1.8 s of each run, issue 8's benchmark)."""
        if Path(self.dbt_executable) == _VENV_DBT:
            return version.parse(importlib.metadata.version("dbt-core"))
        return super()._cli_version


def dbt_resource() -> DbtCliResource:
    return JourneyDbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)


PROJECT_INPUTS = (
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
    for name in PROJECT_INPUTS:
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


def keep_partial_parse(target_path: Path) -> None:
    """Make this invocation's partial-parse state the one the next invocation starts from.

    dagster-dbt seeds every invocation's target folder with target/partial_parse.msgpack; dbt
    re-parses everything when that file was written for another profile (another warehouse path),
    so keeping the latest one lets the next run on the same warehouse skip a full parse. dbt checks
    the file itself and falls back to a full parse whenever it does not match.
    """
    source = target_path / "partial_parse.msgpack"
    if not source.exists():
        return
    project_target = PROJECT_DIR / dbt_project.target_path
    temp = project_target / f".partial_parse.{secrets.token_hex(4)}.tmp"
    shutil.copyfile(source, temp)
    os.replace(temp, project_target / "partial_parse.msgpack")


def record_build(
    warehouse: WarehouseResource,
    run_id: str,
    audit: dbt_audit.BuildAudit,
    freshness: tuple,
    plan_fields: dict[str, Any],
) -> None:
    con = connect(warehouse.warehouse)
    try:
        run_records.ensure(con)
        run_records.update(
            con,
            run_id,
            freshness_status=freshness[0],
            freshness=freshness[1],
            **audit.record_fields(),
            **plan_fields,
        )
    finally:
        con.close()


class DbtBuildConfig(dg.Config):
    # dbt unit tests check model SQL on fixed fixtures, not the night's data: CI (make dbt-check)
    # runs them; a run may skip them to finish sooner (journey run --skip-unit-tests).
    skip_unit_tests: bool = False
    full_refresh: bool = Field(
        default=False,
        description="Rebuild the incremental models from scratch (dbt build --full-refresh).",
    )
    build_all: bool = Field(
        default=False,
        description="Build and test every model, also those no changed source reaches "
        "(by default those are left out when the code is unchanged since the last passing build).",
    )


def dbt_build_args(full_refresh: bool = False) -> list[str]:
    """The dbt command of the nightly job: `build`, with `--full-refresh` when asked."""
    return ["build", "--full-refresh"] if full_refresh else ["build"]


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, pool=DUCKDB_POOL)
def journey_dbt_assets(
    context: dg.AssetExecutionContext,
    config: DbtBuildConfig,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
) -> Iterator[Any]:
    """Source freshness, then `dbt build`; the build's results are audited and recorded, and any
    failed model or error-level test fails this step, so the publish step never runs."""
    target = (
        PROJECT_DIR
        / dbt_project.target_path
        / f"journey-{context.run.run_id[:8]}-{secrets.token_hex(3)}"
    )
    crashpoints.reached("dbt:freshness", str(target))
    freshness = dbt_audit.audit_freshness(
        check_sources(warehouse.warehouse, dbt_project.manifest_path)
    )
    crashpoints.reached("dbt:build", str(target))
    args = [
        *dbt_build_args(config.full_refresh),
        *(["--exclude-resource-type", "unit_test"] if config.skip_unit_tests else []),
    ]
    manifest = json.loads(dbt_project.manifest_path.read_text())
    whole_project = _selects_whole_project(context)
    plan = plan_dbt_build(warehouse, manifest, args, full=config.full_refresh or config.build_all)
    if not whole_project:
        plan = build_state.BuildPlan(plan.inputs, "a subset of the assets was selected")
    context.log.info(
        f"dbt build plan: {len(plan.skipped)} node(s) left out as unchanged ({plan.reason})"
    )
    invocation = dbt.cli(
        [*args, *plan.dbt_args(manifest)],
        context=context,
        target_path=target,
        raise_on_error=False,
    )
    yield from unchanged_outputs(context, manifest, plan)
    yield from invocation.stream()
    keep_partial_parse(target)
    try:
        results = invocation.get_artifact("run_results.json")
    except Exception:  # dbt ended before writing results
        results = None
    audit = dbt_audit.audit_build(results, invocation.is_successful())
    record_build(warehouse, context.run.run_id, audit, freshness, plan.record_fields(manifest))
    context.log.info(f"dbt build: {audit.counts}; source freshness: {freshness[0]}")
    if not audit.passed:
        raise dg.Failure(
            description=f"dbt build: {audit.reason}",
            metadata={"failures": "\n".join(audit.failures), "dbt_target": str(target)},
        )
    if whole_project:
        con = connect(warehouse.warehouse)
        try:
            build_state.save(con, plan.inputs)
        finally:
            con.close()


def _selects_whole_project(context: dg.AssetExecutionContext) -> bool:
    assets_def = context.assets_def
    return set(context.selected_asset_keys) == set(assets_def.keys) and set(
        context.selected_asset_check_keys
    ) == set(assets_def.check_keys)


def plan_dbt_build(
    warehouse: WarehouseResource, manifest: dict[str, Any], args: list[str], *, full: bool
) -> build_state.BuildPlan:
    """What this build leaves out; clears the recorded state first, so a build that does not
    pass (or is cut off) is followed by a complete one."""
    con = connect(warehouse.warehouse)
    try:
        inputs = build_state.current_inputs(con, manifest, args)
        previous = None if full else build_state.previous_inputs(con)
        build_state.clear(con)
        if full:
            return build_state.BuildPlan(inputs, "a full build was asked for")
        plan = build_state.plan_build(previous, inputs, manifest)
        missing = build_state.missing_relations(con, manifest, plan.skipped)
    finally:
        con.close()
    if missing:
        names = ", ".join(uid.split(".")[-1] for uid in missing[:5])
        return build_state.BuildPlan(
            inputs, f"{len(missing)} relation(s) of the last build are missing ({names})"
        )
    return plan


def unchanged_outputs(
    context: dg.AssetExecutionContext, manifest: dict[str, Any], plan: build_state.BuildPlan
) -> Iterator[dg.Output]:
    """An output for every model the build leaves out, in dependency order and before dbt's own
    (Dagster wants a multi-asset's outputs in topological order, and skips the publish step when
    an upstream output is missing). Such a model holds what it held after the last passing
    build, which is what a rebuild would give."""
    translator = DagsterDbtTranslator()
    for unique_id in plan.skipped_in_build_order(manifest):
        key = translator.get_asset_key(manifest["nodes"][unique_id])
        yield dg.Output(
            None,
            output_name=context.assets_def.get_output_name_for_asset_key(key),
            metadata={"rebuilt": False, "why": f"no changed source reaches it ({plan.reason})"},
        )


def full_refresh_run_config(full_refresh: bool) -> dict[str, Any]:
    """Run config that sets DbtBuildConfig.full_refresh of the dbt step."""
    return {"ops": {journey_dbt_assets.op.name: {"config": {"full_refresh": full_refresh}}}}
