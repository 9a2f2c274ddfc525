"""Data tests of a `dbt build` check the rows the build wrote (macros/test_scope.sql): a nightly run
does not re-read what earlier runs wrote and tested, nor the raw GA4 rows loaded before its last
build, while `dbt test` still reads whole tables."""

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
from conftest import Built, copy_warehouse

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


def warehouse_copy(built: Built, tmp_path: Path) -> Path:
    """A copy of the sample warehouse a test may change."""
    warehouse = tmp_path / "journey.duckdb"
    copy_warehouse(built.warehouse, warehouse)
    return warehouse


def data_test_result(target: Path, test: str = UNIQUE_TEST) -> tuple[str, int | None]:
    results = json.loads((target / "run_results.json").read_text())["results"]
    (result,) = [r for r in results if r["unique_id"].startswith(f"test.journey.{test}.")]
    return result["status"], result["failures"]


def test_build_tests_the_rows_it_wrote_and_dbt_test_the_whole_table(
    built: Built, tmp_path: Path
) -> None:
    warehouse = warehouse_copy(built, tmp_path)
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

    # Nothing upstream changed since the sample's build, so the window is forced to the newest
    # date (incremental_lookback_days 1): the build rewrites that date's sessions and no more.
    build = dbt(
        [
            "build",
            "--select",
            MODEL,
            "--exclude-resource-type",
            "unit_test",
            "--vars",
            "{incremental_lookback_days: 1}",
        ],
        warehouse,
        tmp_path / "build",
    )
    assert build.returncode == 0, build.stdout[-3000:]
    assert data_test_result(tmp_path / "build") == ("pass", 0)
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
    assert data_test_result(tmp_path / "test") == ("fail", 1)


RAW_KEY_TEST = "source_journey_unique_combination_ga4_ga4_events__source_file___source_row"
RAW_TEST_BUILD = [
    "build",
    "--select",
    "source:ga4.ga4_events",
    "--exclude-resource-type",
    "unit_test",
]


def duplicate_raw_row(warehouse: Path, loaded_now: bool) -> None:
    """Copy one raw row of the first GA4 file under its own (file, row) key; with `loaded_now`, as
    if loaded after stg_ga4__events was built, else keeping the row's old _loaded_at."""
    con = duckdb.connect(str(warehouse))
    try:
        loaded_at = "cast(timezone('UTC', now()) as timestamp)" if loaded_now else "_loaded_at"
        con.execute(
            f"""
            insert into raw.ga4_events
            select * replace ({loaded_at} as _loaded_at) from raw.ga4_events
            where _source_file = (select min(_source_file) from raw.ga4_events) and _source_row = 1
            """
        )
    finally:
        con.close()


def test_build_tests_raw_rows_of_files_loaded_since_staging_was_built(
    built: Built, tmp_path: Path
) -> None:
    warehouse = warehouse_copy(built, tmp_path)

    # a duplicate key among rows loaded before stg_ga4__events was built: tested by that build
    duplicate_raw_row(warehouse, loaded_now=False)
    build = dbt(RAW_TEST_BUILD, warehouse, tmp_path / "old")
    assert build.returncode == 0, build.stdout[-3000:]
    assert data_test_result(tmp_path / "old", RAW_KEY_TEST) == ("pass", 0)
    whole = dbt(["test", "--select", "source:ga4.ga4_events"], warehouse, tmp_path / "test")
    assert whole.returncode == 1, whole.stdout[-3000:]
    assert data_test_result(tmp_path / "test", RAW_KEY_TEST) == ("fail", 1)

    # a row of that file loaded since: the build tests the whole file, so the key the new row shares
    # with two old ones fails (testing only the new row could not)
    duplicate_raw_row(warehouse, loaded_now=True)
    build = dbt(RAW_TEST_BUILD, warehouse, tmp_path / "new")
    assert build.returncode == 1, build.stdout[-3000:]
    assert data_test_result(tmp_path / "new", RAW_KEY_TEST) == ("fail", 1)
