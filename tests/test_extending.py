"""The README's "Add a model" guide, followed word for word on a copy of the project: the new
model builds, its tests run, it passes the conventions check and Dagster sees it as an asset."""

import os
import re
import subprocess
from pathlib import Path

import dagster as dg
from conftest import Built, copy_project, copy_warehouse
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.config import PROJECT_DIR, WAREHOUSE_ENV
from orchestration.conventions import check_manifest_file
from orchestration.dbt_assets import DBT_EXECUTABLE

_FENCED = re.compile(r"```(?:sql|yaml)\n(.*?)```", re.S)


def _guide_files() -> dict[str, str]:
    """The README's fenced blocks whose first line names a file: {path: content}."""
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Add a model") : readme.index("### Add a funnel")]
    files = {}
    for block in _FENCED.findall(section):
        first, _, rest = block.partition("\n")
        path = first.lstrip("-# ").strip()
        files[path] = rest
    return files


def test_add_a_model_as_the_guide_says(built: Built, tmp_path: Path):
    files = _guide_files()
    assert set(files) == {
        "models/marts/web/mart_landing_pages.sql",
        "models/marts/web/_web__models.yml",
    }
    project = tmp_path / "project"
    copy_project(project)
    for path, content in files.items():
        destination = project / path
        if path.endswith(".yml"):  # the guide adds an entry under the file's `models:`
            with destination.open("a", encoding="utf-8") as handle:
                handle.write("\n" + content)
        else:
            destination.write_text(content, encoding="utf-8")
    warehouse = tmp_path / "journey.duckdb"
    copy_warehouse(built.warehouse, warehouse)

    env = {**os.environ, WAREHOUSE_ENV: str(warehouse)}
    completed = subprocess.run(
        [DBT_EXECUTABLE, "build", "--select", "mart_landing_pages"],
        cwd=project,
        env={**env, "DBT_PROFILES_DIR": str(project)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert "PASS=3" in completed.stdout  # the model and its unique + not_null tests

    manifest = project / "target" / "manifest.json"
    assert [str(v) for v in check_manifest_file(str(manifest))] == []

    @dbt_assets(manifest=manifest)
    def extended(context: dg.AssetExecutionContext, dbt: DbtCliResource):  # pragma: no cover
        yield from dbt.cli(["build"], context=context).stream()

    key = dg.AssetKey(["marts", "mart_landing_pages"])
    assert key in extended.keys
    assert any(check.asset_key == key for check in extended.check_keys)

    built_copy = Built(built.landing, warehouse)
    got = sorted(built_copy.query("select * from marts.mart_landing_pages"))
    expected = sorted(
        built_copy.query(
            "select coalesce(landing_page_path, '(not set)'), count(*), "
            "count(*) filter (where is_engaged), count(*) filter (where has_purchase) "
            "from marts.fct_sessions group by 1"
        )
    )
    assert got == expected and len(got) > 1
