"""Data tests of a `dbt build` check the rows the build wrote (macros/test_scope.sql): a nightly run
does not re-read what earlier runs wrote and tested, while `dbt test` still reads whole tables."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
from conftest import Built

from orchestration.config import PROJECT_DIR

MODEL = "int_ga4__session_events"
UNIQUE_TEST = "unique_int_ga4__session_events_event_key"


def dbt(args: list[str], warehouse: Path, target: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "JOURNEY_WAREHOUSE": str(warehouse), "DBT_LOG_PATH": str(target)}
    return subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), *args, "--target-path", str(target)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def unique_test_result(target: Path) -> tuple[str, int | None]:
    results = json.loads((target / "run_results.json").read_text())["results"]
    (result,) = [r for r in results if r["unique_id"].startswith(f"test.journey.{UNIQUE_TEST}.")]
    return result["status"], result["failures"]


def test_build_tests_the_rows_it_wrote_and_dbt_test_the_whole_table(
    built: Built, tmp_path: Path
) -> None:
    warehouse = tmp_path / "journey.duckdb"
    shutil.copyfile(built.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        # An old event (the earliest date: far before the incremental window, in a session with no
        # event in it) written twice by an earlier run: a duplicate event_key the build does not write.
        (first_date,) = con.execute(f"select min(event_date) from intermediate.{MODEL}").fetchall()[
            0
        ]
        con.execute(
            f"""
            insert into intermediate.{MODEL}
            select * from intermediate.{MODEL}
            where event_date = ? and session_key not in (
                select session_key from intermediate.{MODEL} where event_date > ?
            )
            limit 1
            """,
            [first_date, first_date],
        )
        (duplicates,) = con.execute(
            f"select count(*) - count(distinct event_key) from intermediate.{MODEL}"
        ).fetchall()[0]
    finally:
        con.close()
    assert duplicates == 1

    build = dbt(
        ["build", "--select", MODEL, "--exclude-resource-type", "unit_test"],
        warehouse,
        tmp_path / "build",
    )
    assert build.returncode == 0, build.stdout[-3000:]
    assert unique_test_result(tmp_path / "build") == ("pass", 0)
    written = duckdb.connect(str(warehouse), read_only=True)
    try:
        (rewritten,) = written.execute(
            f"select count(distinct _dbt_invocation_id) from intermediate.{MODEL} "
            "where _dbt_invocation_id is not null"
        ).fetchall()[0]
    finally:
        written.close()
    # the build rewrote part of the table (its window) and kept the rest from the earlier run
    assert rewritten == 2

    whole = dbt(["test", "--select", UNIQUE_TEST], warehouse, tmp_path / "test")
    assert whole.returncode == 1, whole.stdout[-3000:]
    assert unique_test_result(tmp_path / "test") == ("fail", 1)
