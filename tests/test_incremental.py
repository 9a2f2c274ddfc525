"""Incremental nightly runs build the same warehouse as a full rebuild (issue 7, SPEC 10).

Warehouse A: 60 generated GA4 days built in one full run. Warehouse B: the same 60 days as 11 nightly
runs, days 1-50 the first night and then one new day a night, where day LATE_DAY first arrives as an
incomplete export (5% of its events missing, a few events that GA4's re-export drops) and its
re-export replaces that file five nights later, when the day is older than a fixed lookback window
of 3 days reaches (runs find it from its load time, macros/incremental.sql). Every mart, every
intermediate table and the GA4 staging events and items of A and B are then identical row for row
(sorted by all columns; floats within 1e-9). One device in eight sends no ga_session_id, so inactivity sessions are rebuilt across the
lookback boundary too; sessions crossing midnight into the reprocessed dates are rebuilt every
night. The other sources (single files covering the whole period) are delivered in full every
night; the identity graph still changes as GA4 days arrive (logins join earlier anonymous devices).

Each night runs the loaders (load_all: the functions the raw assets run) and dbt in process with the
nightly job's arguments (dbt_build_args). To keep the test fast, nights 1-10 build only the
incremental models and their parents: every other model is a table rebuilt from scratch by each
run, so building it on those nights could not change what the last night builds. Nights 1 and 11
build every model.
"""

from __future__ import annotations

import gc
import gzip
import json
import os
import random
import shutil
import zlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
from conftest import copy_warehouse
from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from dbt.cli.main import dbtRunner
from warehouse_compare import warehouse_differences

from orchestration import marts_db
from orchestration.dbt_assets import dbt_build_args, full_refresh_run_config, journey_dbt_assets
from orchestration.definitions import build_definitions
from orchestration.generator import generate
from orchestration.loaders.landing import load_all

DAYS = 60
FIRST_NIGHT_DAYS = 50
LATE_DAY = 55  # first export on night 6, its re-export replaces it on night 11
REEXPORT_AFTER_NIGHTS = 5
ONE_NEW_DAY_NIGHT = DAYS - 1  # brings that day only (no re-export)
LATE_SHARE = 0.05
DROPPED_EVENTS = 12
COMPARED_SCHEMAS = ("marts", "intermediate")
COMPARED_STAGING = ("stg_ga4__events", "stg_ga4__event_items")
MODELS_ONLY = ["--exclude-resource-type", "test", "unit_test"]
STATEFUL_MODELS = ["--select", "+config.materialized:incremental"]


# --- sample: final GA4 day files and the incomplete first export of LATE_DAY -----------------------


def read_ga4(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_ga4(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, separators=(",", ":")) + "\n")


def without_session_id(row: dict[str, Any]) -> dict[str, Any]:
    """One device in eight sends no ga_session_id (sessionised by inactivity)."""
    if zlib.crc32(row["user_pseudo_id"].encode()) % 8 == 0:
        row["event_params"] = [p for p in row["event_params"] if p["key"] != "ga_session_id"]
    return row


def first_export(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """GA4's first export of a day: late events missing, and a few events (copies shifted by 7 s
    into a session of their own) that the re-export no longer has."""
    rng = random.Random(LATE_DAY)
    kept = [row for row in rows if rng.random() >= LATE_SHARE]
    dropped = []
    for row in rng.sample(rows, DROPPED_EVENTS):
        copy = json.loads(json.dumps(row))
        copy["event_timestamp"] = str(int(copy["event_timestamp"]) + 7_000_000)
        for param in copy["event_params"]:
            if param["key"] == "ga_session_id":
                param["value"]["int_value"] = str(int(param["value"]["int_value"]) + 1)
        dropped.append(copy)
    return kept + dropped


class Sample:
    """Generated exports: the non-GA4 sources and GA4 day files (final and first export)."""

    def __init__(self, root: Path) -> None:
        self.generated = root / "generated"
        generate(out_dir=self.generated, customers=800, days=DAYS, seed=23)
        self.days = sorted((self.generated / "ga4").glob("events_*.json.gz"))
        assert len(self.days) == DAYS
        self.final = root / "final_ga4"
        for path in self.days:
            write_ga4(self.final / path.name, [without_session_id(r) for r in read_ga4(path)])
        late = self.final / self.days[LATE_DAY - 1].name
        self.late_first_export = root / "first_export" / late.name
        write_ga4(self.late_first_export, first_export(read_ga4(late)))

    def landing_without_ga4(self, landing: Path) -> Path:
        for folder in ("crm", "email", "orders", "spend", "generic_orders"):
            shutil.copytree(self.generated / folder, landing / folder)
        (landing / "ga4").mkdir(parents=True)
        return landing

    def deliver(self, landing: Path, day: int, first: bool = False) -> None:
        name = self.days[day - 1].name
        shutil.copyfile(
            self.late_first_export if first else self.final / name, landing / "ga4" / name
        )


# --- runs ---------------------------------------------------------------------------------------


class Dbt:
    """dbt in process with one parsed manifest (the warehouses are all named journey.duckdb, the
    catalog name dbt parses into the manifest)."""

    def __init__(self, target: Path, warehouse: Path) -> None:
        self.target = target
        os.environ["JOURNEY_WAREHOUSE"] = str(warehouse)
        parsed = dbtRunner().invoke(["parse", "--quiet", "--target-path", str(target)])
        assert parsed.success, parsed.exception
        self.manifest = parsed.result

    def build(self, warehouse: Path, *args: str, full_refresh: bool = False) -> None:
        os.environ["JOURNEY_WAREHOUSE"] = str(warehouse)
        argv = [*dbt_build_args(full_refresh), *MODELS_ONLY, *args]
        try:
            result = dbtRunner(manifest=self.manifest).invoke(
                [*argv, "--quiet", "--target-path", str(self.target)]
            )
        finally:
            # dbt-duckdb keeps its DuckDB instance open in the process: close it, so the loaders
            # and the comparison open the file as the nightly job's separate steps do.
            DuckDBConnectionManager.close_all_connections()
            gc.collect()
        assert result.success, f"dbt {' '.join(argv)} failed: {result.exception}"


def nightly(dbt: Dbt, landing: Path, warehouse: Path, *args: str) -> None:
    load_all(warehouse, landing)
    dbt.build(warehouse, *args)


def customer_keys(warehouse: Path) -> dict[str, str]:
    con = marts_db.connect(warehouse, read_only=True)
    try:
        return dict(
            con.execute("select session_key, customer_key from marts.fct_sessions").fetchall()
        )
    finally:
        con.close()


# Per incremental GA4 model: (date, _raw_loaded_through) of its rows, the version a rebuild renews.
VERSIONED_MODELS = {
    "staging.stg_ga4__events": "event_date",
    "intermediate.int_ga4__session_events": "event_date",
    "intermediate.int_ga4__sessions": "last_event_date",
}


def row_versions(warehouse: Path) -> dict[str, set[tuple[Any, ...]]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            table: set(
                con.execute(
                    f"select {column}, _raw_loaded_through, count(*) from {table} group by all"
                ).fetchall()
            )
            for table, column in VERSIONED_MODELS.items()
        }
    finally:
        con.close()


# --- comparison ---------------------------------------------------------------------------------


def differences(a: Path, b: Path) -> Iterator[str]:
    """Every table of COMPARED_SCHEMAS (and COMPARED_STAGING) that differs between a and b."""
    return warehouse_differences(a, b, COMPARED_SCHEMAS, [("staging", t) for t in COMPARED_STAGING])


# --- the scenario -------------------------------------------------------------------------------


class Scenario:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.sample = Sample(root)
        self.full = root / "full" / "journey.duckdb"
        self.nightly = root / "nightly" / "journey.duckdb"
        self.dbt = Dbt(root / "target", self.full)
        self.keys_after_first_night: dict[str, str] = {}
        self.late_day_rows: dict[str, int] = {}
        self.versions_around_one_new_day: list[dict[str, set[tuple[Any, ...]]]] = []


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    saved = os.environ.get("JOURNEY_WAREHOUSE")
    s = Scenario(tmp_path_factory.mktemp("incremental"))
    sample = s.sample

    # A: all 60 final days in one full run.
    landing = sample.landing_without_ga4(s.root / "landing_full")
    for day in range(1, DAYS + 1):
        sample.deliver(landing, day)
    nightly(s.dbt, landing, s.full)

    # B: days 1-50, then one day a night; LATE_DAY first incomplete, re-exported five nights later.
    landing = sample.landing_without_ga4(s.root / "landing_nightly")
    for day in range(1, FIRST_NIGHT_DAYS + 1):
        sample.deliver(landing, day)
    nightly(s.dbt, landing, s.nightly)
    s.keys_after_first_night = customer_keys(s.nightly)
    for day in range(FIRST_NIGHT_DAYS + 1, DAYS + 1):
        sample.deliver(landing, day, first=day == LATE_DAY)
        if day == LATE_DAY + REEXPORT_AFTER_NIGHTS:
            sample.deliver(landing, LATE_DAY)
        if day == ONE_NEW_DAY_NIGHT:
            s.versions_around_one_new_day.append(row_versions(s.nightly))
        nightly(s.dbt, landing, s.nightly, *([] if day == DAYS else STATEFUL_MODELS))
        if day == ONE_NEW_DAY_NIGHT:
            s.versions_around_one_new_day.append(row_versions(s.nightly))
    yield s
    if saved is None:
        os.environ.pop("JOURNEY_WAREHOUSE", None)
    else:
        os.environ["JOURNEY_WAREHOUSE"] = saved


def test_nightly_incremental_runs_equal_one_full_run(scenario: Scenario) -> None:
    assert list(differences(scenario.full, scenario.nightly)) == []


def test_a_night_with_one_new_day_leaves_the_older_days_alone(scenario: Scenario) -> None:
    """Night 10 brings day 59 only. stg_ga4__events adds day 59 and rebuilds no older date; the
    session models rebuild only the sessions with events on day 59 (whole, with their earlier
    events), so most rows of day 58 keep the version night 9 built them with. Rebuilding the
    newest date every night (the window before issue 8's fifth 2026-12-07 session) fails this."""
    assert ONE_NEW_DAY_NIGHT != LATE_DAY + REEXPORT_AFTER_NIGHTS
    before, after = scenario.versions_around_one_new_day
    newest = max(date for date, _, _ in before["staging.stg_ga4__events"])
    for table in VERSIONED_MODELS:
        versions_before = {(date, version) for date, version, _ in before[table]}
        newest_rows = [(version, n) for date, version, n in after[table] if date == newest]
        kept = sum(n for version, n in newest_rows if (newest, version) in versions_before)
        assert kept > sum(n for _, n in newest_rows) / 2, (table, kept, newest_rows)
    events = "staging.stg_ga4__events"
    assert before[events] <= after[events]
    assert {date for date, _, _ in after[events] - before[events]} == {newest + timedelta(days=1)}


def test_another_night_without_new_files_changes_nothing(
    scenario: Scenario, tmp_path: Path
) -> None:
    warehouse = tmp_path / "journey.duckdb"
    copy_warehouse(scenario.nightly, warehouse)
    nightly(scenario.dbt, scenario.root / "landing_nightly", warehouse)
    assert list(differences(scenario.nightly, warehouse)) == []


def test_scenario_exercises_late_events_inactivity_sessions_and_identity_merges(
    scenario: Scenario,
) -> None:
    con = duckdb.connect(str(scenario.nightly), read_only=True)
    try:
        late_file = f"ga4/{scenario.sample.days[LATE_DAY - 1].name}"
        (late_rows,) = con.execute(
            "select row_count from raw.load_manifest where file_path = ? "
            "order by loaded_at desc limit 1",
            [late_file],
        ).fetchone()
        (synthetic,) = con.execute(
            "select count(*) from intermediate.int_ga4__sessions where is_session_id_synthetic"
        ).fetchone()
        (midnight,) = con.execute(
            "select count(*) from intermediate.int_ga4__sessions "
            "where last_event_date > cast(session_started_at as date)"
        ).fetchone()
    finally:
        con.close()
    assert late_rows == len(read_ga4(scenario.sample.final / Path(late_file).name))
    assert synthetic > 0 and midnight > 0
    # A device seen on night 1 joined another customer later: its sessions' customer_key changed,
    # and the marts (tables over the incremental sessions) follow.
    final_keys = customer_keys(scenario.nightly)
    changed = [k for k, v in scenario.keys_after_first_night.items() if final_keys.get(k) != v]
    assert changed


def test_full_refresh_rebuilds_incremental_models(scenario: Scenario, tmp_path: Path) -> None:
    """--full-refresh rebuilds what an incremental run keeps: rows of old dates removed from the
    incremental tables come back, and the warehouse equals the full run again."""
    warehouse = tmp_path / "journey.duckdb"
    copy_warehouse(scenario.nightly, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        for table, column in (
            ("staging.stg_ga4__events", "event_date"),
            ("intermediate.int_ga4__session_events", "event_date"),
            ("intermediate.int_ga4__sessions", "last_event_date"),
        ):
            con.execute(
                f"delete from {table} where {column} < (select min({column}) + 7 from {table})"
            )
    finally:
        con.close()
    scenario.dbt.build(warehouse)
    assert list(differences(scenario.full, warehouse)) != []
    scenario.dbt.build(warehouse, full_refresh=True)
    assert list(differences(scenario.full, warehouse)) == []


def test_journey_run_full_refresh_configures_the_dbt_step(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("JOURNEY_WAREHOUSE", str(tmp_path / "journey.duckdb"))
    assert dbt_build_args() == ["build"]
    assert dbt_build_args(full_refresh=True) == ["build", "--full-refresh"]
    job = build_definitions(tmp_path, tmp_path / "journey.duckdb").resolve_job_def("nightly")
    for full_refresh in (False, True):
        run_config = full_refresh_run_config(full_refresh)
        assert run_config == {
            "ops": {journey_dbt_assets.op.name: {"config": {"full_refresh": full_refresh}}}
        }
        validated = dg.validate_run_config(job, run_config)
        assert (
            validated["ops"][journey_dbt_assets.op.name]["config"]["full_refresh"] is full_refresh
        )
    # Without run config the dbt step runs a plain (incremental) build.
    defaults = dg.validate_run_config(job, {})["ops"][journey_dbt_assets.op.name]["config"]
    assert defaults["full_refresh"] is False
