"""The Dagster code location: assets, lineage raw -> staging, the nightly job and its schedule."""

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import yaml

from orchestration.config import PROJECT_DIR
from orchestration.definitions import build_definitions
from orchestration.loaders.formats import all_raw_tables

RAW_KEYS = {dg.AssetKey(["raw", table]) for table in all_raw_tables()}


def build(tmp_path: Path) -> dg.Definitions:
    return build_definitions(tmp_path / "landing", tmp_path / "wh.duckdb")


def test_every_raw_table_has_a_loader_asset(tmp_path: Path) -> None:
    graph = build(tmp_path).resolve_asset_graph()
    assert set(graph.get_all_asset_keys()) >= RAW_KEYS


def test_dbt_sources_are_the_loader_assets(tmp_path: Path) -> None:
    """Every dbt source resolves to a loader's asset key, so Dagster draws raw -> staging."""
    graph = build(tmp_path).resolve_asset_graph()
    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    staging = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["name"].startswith("stg_")
    ]
    assert staging, "no staging models in the manifest"
    for node in staging:
        key = dg.AssetKey(["staging", node["name"]])
        parents = graph.get(key).parent_keys
        assert parents, node["name"]
        models = {
            dg.AssetKey([manifest["nodes"][n]["schema"], manifest["nodes"][n]["name"]])
            for n in node["depends_on"]["nodes"]
            if n in manifest["nodes"]
        }
        assert parents <= RAW_KEYS | models
    sources = {dg.AssetKey(s["meta"]["dagster"]["asset_key"]) for s in manifest["sources"].values()}
    assert sources == RAW_KEYS


def test_dbt_tests_are_asset_checks(tmp_path: Path) -> None:
    graph = build(tmp_path).resolve_asset_graph()
    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    data_tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    assert len(list(graph.asset_check_keys)) >= len(
        [t for t in data_tests if t.get("attached_node")]
    )


def test_nightly_job_runs_loaders_and_models_on_schedule(tmp_path: Path) -> None:
    defs = build(tmp_path)
    job = defs.resolve_job_def("nightly")
    selected = set(job.asset_layer.asset_graph.get_all_asset_keys())
    assert selected >= RAW_KEYS
    assert dg.AssetKey(["staging", "stg_ga4__events"]) in selected

    schedule = defs.resolve_schedule_def("nightly_at_two")
    assert schedule.cron_schedule == "0 2 * * *"
    configured = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    assert schedule.execution_timezone == configured["reporting_timezone"]
    assert schedule.job_name == "nightly"


def test_schedule_time_zone_is_configurable(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("JOURNEY_SCHEDULE_TIMEZONE", "America/New_York")
    schedule = build(tmp_path).resolve_schedule_def("nightly_at_two")
    assert schedule.execution_timezone == "America/New_York"


def test_dagster_validates_the_code_location(tmp_path: Path) -> None:
    env = os.environ | {"JOURNEY_WAREHOUSE": str(tmp_path / "wh.duckdb")}
    result = subprocess.run(
        [
            Path(sys.executable).parent / "dagster",
            "definitions",
            "validate",
            "-m",
            "orchestration.definitions",
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_dbt_invocations_run_without_building_an_adapter_in_dagster(tmp_path: Path, monkeypatch):
    """The dbt resource skips dagster-dbt's in-process adapter (unused metadata fetching) and its
    `dbt --version` subprocess, and dbt still runs: `dbt ls` lists the project's models, and the
    version the resource reports is the one the executable prints."""
    import subprocess

    from orchestration.dbt_assets import DBT_EXECUTABLE, dbt_resource

    printed = subprocess.run(
        [DBT_EXECUTABLE, "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert f"installed: {dbt_resource()._cli_version}" in printed

    monkeypatch.setenv("JOURNEY_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    invocation = dbt_resource().cli(
        ["ls", "--resource-type", "model", "--output", "name"],
        target_path=tmp_path / "target",
    )
    listed = {
        event.raw_event["info"]["msg"]
        for event in invocation.stream_raw_events()
        if event.raw_event["info"]["name"] == "PrintEvent"
    }
    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    models = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert invocation.adapter is None
    assert invocation.is_successful()
    assert listed == models
