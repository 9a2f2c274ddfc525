"""The model-conventions check: each rule fails with a message naming the file and the fix, and
the project itself passes."""

from __future__ import annotations

import copy
import json
import os
import subprocess

import pytest
from conftest import copy_warehouse

from orchestration.config import PROJECT_DIR, WAREHOUSE_ENV
from orchestration.conventions import check_manifest, check_manifest_file
from orchestration.dbt_assets import DBT_EXECUTABLE, dbt_project, ensure_manifest

GOOD_MART = {
    "resource_type": "model",
    "package_name": "journey",
    "name": "fct_visits",
    "original_file_path": "models/marts/visits/fct_visits.sql",
    "patch_path": "journey://models/marts/visits/_visits__models.yml",
    "description": "One row per visit.",
    "columns": {"visit_key": {"description": "The visit."}},
    "config": {"contract": {"enforced": True}},
}
TEST = {
    "resource_type": "test",
    "depends_on": {"nodes": ["model.journey.fct_visits"]},
}


def _manifest(model: dict, tested: bool = True) -> dict:
    nodes = {"model.journey.fct_visits": model}
    if tested:
        nodes["test.journey.not_null_fct_visits"] = TEST
    return {"nodes": nodes, "unit_tests": {}}


def _problems(model: dict, tested: bool = True) -> list[str]:
    return [str(v) for v in check_manifest(_manifest(model, tested))]


def _changed(**changes: object) -> dict:
    model = copy.deepcopy(GOOD_MART)
    model.update(changes)
    return model


def test_a_conforming_mart_passes():
    assert _problems(GOOD_MART) == []


def test_a_unit_test_counts_as_a_test():
    manifest = _manifest(GOOD_MART, tested=False)
    manifest["unit_tests"] = {"u": {"depends_on": {"nodes": ["model.journey.fct_visits"]}}}
    assert check_manifest(manifest) == []


@pytest.mark.parametrize(
    ("changes", "tested", "expected"),
    [
        ({"name": "visits"}, True, "mart models are named fct_<events>, dim_<entities> or mart_"),
        (
            {"patch_path": None},
            True,
            "not documented: add it to models/marts/visits/_visits__models.yml",
        ),
        ({"description": " "}, True, "no description in models/marts/visits/_visits__models.yml"),
        (
            {"columns": {"visit_key": {"description": ""}}},
            True,
            "columns without description in models/marts/visits/_visits__models.yml: visit_key",
        ),
        ({"columns": {}}, True, "no columns listed"),
        ({}, False, "no data test or unit test"),
        ({"config": {}}, True, "marts are the BI contract"),
        (
            {"patch_path": "journey://models/marts/schema.yml"},
            True,
            "document it in its own folder's _<folder>__models.yml",
        ),
    ],
)
def test_each_rule_names_the_file_and_the_fix(changes, tested, expected):
    problems = _problems(_changed(**changes), tested)
    assert len(problems) == 1, problems
    assert problems[0].startswith("models/marts/visits/fct_visits.sql: model ")
    assert expected in problems[0]


def test_staging_and_intermediate_prefixes():
    staging = _changed(
        name="stg_shop__visits",
        original_file_path="models/staging/crm/stg_shop__visits.sql",
        patch_path="journey://models/staging/crm/_crm__models.yml",
    )
    assert any("stg_crm__<entities>" in p for p in _problems(staging))
    intermediate = _changed(
        name="visits_enriched",
        original_file_path="models/intermediate/web/visits_enriched.sql",
        patch_path="journey://models/intermediate/web/_web__models.yml",
    )
    assert any("named int_" in p for p in _problems(intermediate))


NOT_NULL_TESTS = {
    "not_null": {"name": "not_null", "kwargs": {"column_name": "visit_key"}},
    "journey_not_null": {
        "name": "journey_not_null",
        "kwargs": {"columns": ["visit_key", "visited_at"]},
    },
}


@pytest.mark.parametrize("test_kind", sorted(NOT_NULL_TESTS))
@pytest.mark.parametrize(
    ("enforced", "constraints", "flagged"),
    [
        (True, [{"type": "not_null"}], True),
        (False, [{"type": "not_null"}], False),
        (True, [], False),
    ],
)
def test_a_not_null_test_the_contract_makes_unfailable_is_flagged(
    enforced, constraints, flagged, test_kind
):
    """Only where the enforced contract declares the column not_null can the test never fail; the
    per-model journey_not_null test is checked column by column (visited_at has no constraint)."""
    model = _changed(
        columns={
            "visit_key": {"description": "The visit.", "constraints": constraints},
            "visited_at": {"description": "When.", "constraints": []},
        },
        config={"contract": {"enforced": enforced}},
    )
    manifest = _manifest(model)
    manifest["nodes"]["test.journey.not_null_fct_visits"] = TEST | {
        "attached_node": "model.journey.fct_visits",
        "test_metadata": NOT_NULL_TESTS[test_kind],
    }
    problems = [str(v) for v in check_manifest(manifest)]
    unfailable = [p for p in problems if "cannot fail" in p]
    assert unfailable == (
        [
            "models/marts/visits/fct_visits.sql: model fct_visits: not_null tests that cannot "
            "fail (the enforced contract's not_null constraint already rejects nulls at build): "
            "remove them from columns visit_key"
        ]
        if flagged
        else []
    )


def test_contract_not_null_columns_are_not_null_in_the_warehouse(built):
    """What makes those tests redundant: every column an enforced contract declares not_null is
    NOT NULL in the built warehouse, so DuckDB refuses a null there during the build."""
    ensure_manifest()
    manifest = json.loads(dbt_project.manifest_path.read_text())
    declared = {
        (node["schema"], node["alias"], column)
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and (node["config"].get("contract") or {}).get("enforced")
        for column, spec in node["columns"].items()
        if any(c["type"] == "not_null" for c in spec.get("constraints") or [])
    }
    assert len(declared) > 30
    nullable = {
        (schema, table, column): is_nullable
        for schema, table, column, is_nullable in built.query(
            "select table_schema, table_name, column_name, is_nullable "
            "from information_schema.columns"
        )
    }
    assert {key: nullable.get(key) for key in declared} == dict.fromkeys(declared, "NO")


def test_the_project_follows_its_conventions():
    ensure_manifest()
    assert [str(v) for v in check_manifest_file(str(dbt_project.manifest_path))] == []


def test_docs_site_documents_every_built_column(built, tmp_path):
    """`dbt docs generate` on the built warehouse: every model is in the catalog, every column the
    warehouse really has is described, and the exposures (BI contract, report) are declared."""
    warehouse = tmp_path / "journey.duckdb"
    copy_warehouse(built.warehouse, warehouse)
    target = tmp_path / "docs"
    completed = subprocess.run(
        [DBT_EXECUTABLE, "docs", "generate", "--target-path", str(target)],
        cwd=PROJECT_DIR,
        env={**os.environ, WAREHOUSE_ENV: str(warehouse)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    models = {uid for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    assert models <= set(catalog["nodes"])
    undocumented = {
        uid: [
            column
            for column in node["columns"]
            if not (manifest["nodes"][uid]["columns"].get(column.lower()) or {}).get("description")
        ]
        for uid, node in catalog["nodes"].items()
        if uid in models
    }
    assert {uid: cols for uid, cols in undocumented.items() if cols} == {}
    assert {"bi_contract", "journey_report"} <= {e["name"] for e in manifest["exposures"].values()}
