"""Selective builds (issue 8): with the code unchanged since the last passing whole-project build,
the nightly job leaves out every model, seed and test no changed source reaches, and the warehouse
it builds equals a build of everything on the same landing folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from warehouse_compare import warehouse_differences

from orchestration import build_state
from orchestration.config import PROJECT_DIR
from orchestration.dbt_assets import DBT_EXECUTABLE, dbt_project, plan_dbt_build
from orchestration.generator import generate
from orchestration.loaders.landing import connect
from orchestration.resources import WarehouseResource
from orchestration.runner import run_nightly

# --- the plan on a hand-made manifest ---------------------------------------------------------
# sources A and B; a1 <- A, b1 <- B, ab <- (a1, b1), s (seed) -> ms; tests on a1, on b1 and
# across a1-b1; a unit test on b1; clock <- b1 reads the clock (built every run), after <- clock.


def _node(uid: str, kind: str, parents: list[str], every_run: bool = False) -> dict:
    return {
        "resource_type": kind,
        "fqn": ["p", uid.split(".")[-1]],
        "depends_on": {"nodes": parents},
        "config": {"meta": {build_state.EVERY_RUN: True} if every_run else {}},
    }


def hand_manifest() -> dict:
    nodes = {
        "model.p.a1": _node("model.p.a1", "model", ["source.p.A"]),
        "model.p.b1": _node("model.p.b1", "model", ["source.p.B"]),
        "model.p.ab": _node("model.p.ab", "model", ["model.p.a1", "model.p.b1"]),
        "seed.p.s": _node("seed.p.s", "seed", []),
        "model.p.ms": _node("model.p.ms", "model", ["seed.p.s"]),
        "test.p.t_a1": _node("test.p.t_a1", "test", ["model.p.a1"]),
        "test.p.t_b1": _node("test.p.t_b1", "test", ["model.p.b1"]),
        "test.p.t_rel": _node("test.p.t_rel", "test", ["model.p.a1", "model.p.b1"]),
        "model.p.clock": _node("model.p.clock", "model", ["model.p.b1"], every_run=True),
        "model.p.after": _node("model.p.after", "model", ["model.p.clock"]),
    }
    children: dict[str, list[str]] = {"source.p.A": [], "source.p.B": []}
    for uid, node in nodes.items():
        children.setdefault(uid, [])
        for parent in node["depends_on"]["nodes"]:
            children.setdefault(parent, []).append(uid)
    unit_tests = {"unit_test.p.b1.u_b1": _node("unit_test.p.b1.u_b1", "unit_test", ["model.p.b1"])}
    sources = {"source.p.A": {}, "source.p.B": {}}
    return {"nodes": nodes, "unit_tests": unit_tests, "child_map": children, "sources": sources}


def inputs(
    code: str = "c1", a: list | None = None, b: list | None = None
) -> build_state.BuildInputs:
    return build_state.BuildInputs(
        code, {"source.p.A": a or [10, "2026-01-01"], "source.p.B": b or [5, "2026-01-01"]}
    )


def test_plan_leaves_out_only_what_no_changed_source_reaches() -> None:
    manifest = hand_manifest()
    plan = build_state.plan_build(inputs(), inputs(a=[11, "2026-01-02"]), manifest)
    assert plan.skipped == {
        "model.p.b1",
        "test.p.t_b1",
        "unit_test.p.b1.u_b1",
        "seed.p.s",
        "model.p.ms",
    }
    # ab and the a1-b1 test read a changed row, so they run although b1 is left out; clock and
    # what reads it are built every run
    for built in ("model.p.ab", "test.p.t_rel", "model.p.clock", "model.p.after"):
        assert built not in plan.skipped
    assert plan.skipped_in_build_order(manifest) == ["model.p.b1", "seed.p.s", "model.p.ms"]
    assert plan.dbt_args(manifest) == [
        "--indirect-selection",
        "empty",
        "--exclude",
        "fqn:p.b1 fqn:p.ms fqn:p.s fqn:p.t_b1 fqn:p.u_b1",
    ]
    assert plan.record_fields(manifest) == {
        "models_unchanged": 3,  # b1, s, ms
        "tests_unchanged": 1,  # t_b1 (unit tests check fixtures and are not counted)
        "build_plan": "changed sources: A",
    }
    # a delete (row count down, same latest load) is a change too
    plan = build_state.plan_build(inputs(), inputs(b=[4, "2026-01-01"]), manifest)
    assert {"model.p.b1", "model.p.ab", "test.p.t_rel", "unit_test.p.b1.u_b1"}.isdisjoint(
        plan.skipped
    )
    assert "model.p.a1" in plan.skipped


def test_plan_builds_everything_without_a_record_or_after_a_code_change() -> None:
    manifest = hand_manifest()
    for previous, current in ((None, inputs()), (inputs("c1"), inputs("c2"))):
        plan = build_state.plan_build(previous, current, manifest)
        assert not plan.selective and plan.dbt_args(manifest) == []
    unchanged = build_state.plan_build(inputs(), inputs(), manifest)
    all_nodes = set(manifest["nodes"]) | set(manifest["unit_tests"])
    assert unchanged.skipped == all_nodes - {"model.p.clock", "model.p.after"}


def test_code_fingerprint_follows_project_files_env_vars_and_args(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "orchestration").mkdir()
    model = tmp_path / "models" / "m.sql"
    model.write_text('select \'{{ env_var("JOURNEY_TEST_SELECTIVE", "x") }}\' as v')
    module = tmp_path / "orchestration" / "fits.py"
    module.write_text("ALPHA = 1\n")
    monkeypatch.setenv("JOURNEY_TEST_SELECTIVE", "one")
    base = build_state.code_fingerprint(tmp_path, ["build"])
    assert build_state.code_fingerprint(tmp_path, ["build"]) == base
    (tmp_path / "orchestration" / "notes.txt").write_text("not code")
    assert build_state.code_fingerprint(tmp_path, ["build"]) == base
    assert build_state.code_fingerprint(tmp_path, ["build", "--full-refresh"]) != base
    monkeypatch.setenv("JOURNEY_TEST_SELECTIVE", "two")
    assert build_state.code_fingerprint(tmp_path, ["build"]) != base
    monkeypatch.setenv("JOURNEY_TEST_SELECTIVE", "one")
    module.write_text("ALPHA = 2\n")
    assert build_state.code_fingerprint(tmp_path, ["build"]) != base
    module.write_text("ALPHA = 1\n")
    model.write_text(model.read_text() + " -- edited")
    assert build_state.code_fingerprint(tmp_path, ["build"]) != base


def test_source_snapshot_moves_with_every_insert_and_delete() -> None:
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.t (id int, _loaded_at timestamp)")
    con.execute("insert into raw.t values (1, '2026-01-01 00:00'), (2, '2026-01-01 00:00')")
    manifest = {
        "sources": {
            "source.p.t": {"schema": "raw", "identifier": "t", "loaded_at_field": "_loaded_at"},
            "source.p.gone": {"schema": "raw", "identifier": "gone", "loaded_at_field": None},
        }
    }
    first = build_state.source_snapshot(con, manifest)
    assert first == {"source.p.gone": None, "source.p.t": [2, "2026-01-01 00:00:00"]}
    # a replaced file: same row count, its rows loaded again later
    con.execute("delete from raw.t where id = 2")
    con.execute("insert into raw.t values (2, '2026-01-02 00:00')")
    second = build_state.source_snapshot(con, manifest)
    assert second["source.p.t"] == [2, "2026-01-02 00:00:00"]
    con.execute("delete from raw.t where id = 1")  # forget
    assert build_state.source_snapshot(con, manifest)["source.p.t"] == [1, "2026-01-02 00:00:00"]


# --- the real project -------------------------------------------------------------------------


def project_manifest() -> dict:
    return json.loads(dbt_project.manifest_path.read_text())


def test_dbt_selects_exactly_what_the_plan_keeps(tmp_path: Path) -> None:
    """dbt, given the plan's arguments for a night with a new CRM contacts export only, selects
    every node but the planned ones: a test across a rebuilt and a left-out model (deals'
    contact emails -> contacts) still runs."""
    manifest = project_manifest()
    contacts = [uid for uid in manifest["sources"] if uid.endswith(".crm.crm_contacts")]
    assert len(contacts) == 1
    previous = build_state.BuildInputs("code", dict.fromkeys(manifest["sources"], [1, "t"]))
    current = build_state.BuildInputs("code", previous.sources | {contacts[0]: [2, "t2"]})
    plan = build_state.plan_build(previous, current, manifest)
    kinds = ("model", "seed", "test", "unit_test")
    every = {
        uid
        for uid, node in {**manifest["nodes"], **manifest["unit_tests"]}.items()
        if node["resource_type"] in kinds
    }
    assert plan.skipped and plan.skipped < every
    crossing = [
        uid
        for uid in every - plan.skipped
        if uid.startswith("test.")
        and set(manifest["nodes"][uid]["depends_on"]["nodes"]) & plan.skipped
    ]
    assert any("stg_crm__deals" in uid and "stg_crm__contacts" in uid for uid in crossing)
    listed = subprocess.run(
        [
            DBT_EXECUTABLE,
            "ls",
            "--quiet",
            "--select",
            "fqn:*",
            *plan.dbt_args(manifest),
            "--output",
            "json",
            "--output-keys",
            "unique_id",
            "--target-path",
            str(tmp_path / "target"),
        ],
        cwd=PROJECT_DIR,
        env=os.environ | {"JOURNEY_WAREHOUSE": str(tmp_path / "ls.duckdb")},
        capture_output=True,
        text=True,
        check=True,
    )
    selected = {json.loads(line)["unique_id"] for line in listed.stdout.splitlines() if line}
    assert selected & every == every - plan.skipped


def recorded_build(tmp_path: Path, manifest: dict, without: str = "") -> WarehouseResource:
    """A warehouse whose record says the whole project was built from its (empty) raw tables,
    with a stand-in table for every model and seed but `without`."""
    warehouse = WarehouseResource(
        landing_dir=str(tmp_path), warehouse_path=str(tmp_path / "w.duckdb"), published_path=""
    )
    con = connect(tmp_path / "w.duckdb")  # as the loaders leave it: every raw table exists
    try:
        for uid, node in manifest["nodes"].items():
            if node["resource_type"] in ("model", "seed") and uid != without:
                con.execute(f'create schema if not exists "{node["schema"]}"')
                con.execute(f'create table "{node["schema"]}"."{node["alias"]}" (stand_in int)')
        current = build_state.current_inputs(con, manifest, ["build"])
        build_state.save(con, current)
        assert build_state.previous_inputs(con) == current
    finally:
        con.close()
    return warehouse


def test_a_missing_relation_makes_the_build_complete(tmp_path: Path) -> None:
    """A model the record says was built but whose table is gone (a marts file deleted by hand)
    cannot be left out: the build is complete."""
    manifest = project_manifest()
    warehouse = recorded_build(tmp_path, manifest, without="model.journey.fct_sessions")
    plan = plan_dbt_build(warehouse, manifest, ["build"], full=False)
    assert not plan.selective
    assert plan.reason == "1 relation(s) of the last build are missing (fct_sessions)"


def test_a_build_clears_the_record_before_it_runs(tmp_path: Path) -> None:
    """The record is gone once a build starts: if that build fails or is cut off, the next one
    builds everything."""
    manifest = project_manifest()
    warehouse = recorded_build(tmp_path, manifest)
    plan = plan_dbt_build(warehouse, manifest, ["build"], full=False)
    assert plan.selective and plan.reason == "changed sources: none"
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        assert build_state.previous_inputs(con) is None
    finally:
        con.close()
    assert not plan_dbt_build(warehouse, manifest, ["build"], full=False).selective


def executed_nodes(run_id: str) -> set[str]:
    targets = list((PROJECT_DIR / dbt_project.target_path).glob(f"journey-{run_id[:8]}-*"))
    assert len(targets) == 1
    results = json.loads((targets[0] / "run_results.json").read_text())
    return {r["unique_id"] for r in results["results"]}


def test_nightly_run_builds_what_new_rows_reach_and_equals_building_everything(
    tmp_path: Path,
) -> None:
    generated, landing = tmp_path / "generated", tmp_path / "landing"
    generate(out_dir=generated, customers=150, days=8, seed=11)
    shutil.copytree(generated, landing)
    new_day = sorted((landing / "ga4").iterdir())[-1]
    new_day.unlink()
    warehouse = tmp_path / "night" / "journey.duckdb"

    def night(folder: Path, **options: bool):
        outcome = run_nightly(
            landing,
            folder / "journey.duckdb",
            folder / "published" / "journey.duckdb",
            skip_unit_tests=True,
            **options,
        )
        assert outcome.success, outcome.errors
        return outcome

    first = night(warehouse.parent)
    assert executed_nodes(first.run_id) >= {
        "model.journey.stg_email__activity",
        "model.journey.stg_ga4__events",
    }
    shutil.copytree(warehouse.parent, tmp_path / "everything")
    shutil.copyfile(generated / "ga4" / new_day.name, new_day)

    selective = night(warehouse.parent)
    everything = night(tmp_path / "everything", build_all=True)
    built = executed_nodes(selective.run_id)
    assert "model.journey.stg_ga4__events" in built
    assert "model.journey.stg_email__activity" not in built
    assert "seed.journey.ga4_source_categories" not in built
    assert len(built) < len(executed_nodes(everything.run_id))
    assert selective.published and everything.published
    schemas = ("staging", "intermediate", "marts")
    assert (
        list(warehouse_differences(tmp_path / "everything" / "journey.duckdb", warehouse, schemas))
        == []
    )
    # a night with nothing new builds only the CLV fit (it reads the clock) and what reads the fit
    idle = night(warehouse.parent)
    idle_built = executed_nodes(idle.run_id)
    assert {
        "model.journey.int_customers__clv_fits",
        "model.journey.mart_clv_model_fit",
    } <= idle_built
    assert "model.journey.stg_ga4__events" not in idle_built
    assert idle.published
