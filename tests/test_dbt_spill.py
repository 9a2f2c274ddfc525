"""dbt keeps working after DuckDB spills to disk (README "Configuration", profiles.yml).

dbt-duckdb SETs a profile's `settings` again on every new cursor, and DuckDB refuses to switch
temp_directory once it has spilled there: with temp_directory among the settings, every node after
the first spill failed (seen at 10M events). The project's own profiles.yml runs two models here,
the first made to spill by a memory limit far below what its aggregation needs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from orchestration.config import MEMORY_LIMIT_ENV, PROJECT_DIR, TEMP_DIRECTORY_ENV, WAREHOUSE_ENV

SPILLING_MODEL = """
select count(*) as distinct_values
from (select distinct range * 7919 % 5000011 as value from range(4000000)) as values_seen
"""
# DuckDB creates its spill folder on first use (an owner file in it) and removes it at close.
FOLLOWING_MODEL = """
select
    distinct_values + 1 as next_value,
    (select count(*) from glob('{{ env_var("JOURNEY_DUCKDB_TEMP_DIRECTORY") }}/*')) as spill_files
from {{ ref('spilling') }}
"""


def test_nodes_after_a_spill_still_run(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    shutil.copyfile(PROJECT_DIR / "profiles.yml", project / "profiles.yml")
    (project / "dbt_project.yml").write_text(
        "name: spill_check\nversion: '1.0'\nprofile: journey\nmodel-paths: ['models']\n"
        "models:\n  spill_check:\n    +materialized: table\n"
    )
    (project / "models" / "spilling.sql").write_text(SPILLING_MODEL)
    (project / "models" / "following.sql").write_text(FOLLOWING_MODEL)
    spill = tmp_path / "spill"
    env = os.environ | {
        WAREHOUSE_ENV: str(tmp_path / "spill_check.duckdb"),
        MEMORY_LIMIT_ENV: "40MB",
        TEMP_DIRECTORY_ENV: str(spill),
    }
    dbt = Path(sys.executable).with_name("dbt")
    finished = subprocess.run(
        [str(dbt), "run", "--project-dir", str(project), "--profiles-dir", str(project)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert finished.returncode == 0, finished.stdout[-3000:]
    con = duckdb.connect(env[WAREHOUSE_ENV], read_only=True)
    try:
        [(next_value, spill_files)] = con.execute(
            "select next_value, spill_files from main.following"
        ).fetchall()
    finally:
        con.close()
    assert spill_files >= 1, "the first model did not spill: the check proves nothing"
    # 7919 is coprime to the prime 5000011, so the 4M multiples are distinct modulo it
    assert next_value == 4_000_001
