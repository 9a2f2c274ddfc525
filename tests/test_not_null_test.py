"""The per-model `journey_not_null` data test (macros/test_not_null.sql) fails on the planted nulls
and names each column with its number of null rows."""

import json
from pathlib import Path

import duckdb
from conftest import Built
from test_test_scope import data_test_result, dbt, warehouse_copy

MODEL = "int_orders__orders"
PLANTED = {"order_id": 2, "ordered_at": 1}  # column -> rows set to null


def test_journey_not_null_names_the_columns_with_nulls_and_counts_them(
    built: Built, tmp_path: Path
) -> None:
    warehouse = warehouse_copy(built, tmp_path)
    con = duckdb.connect(str(warehouse))
    try:
        keys = [k for (k,) in con.execute(f"select order_key from intermediate.{MODEL}").fetchall()]
        assert len(keys) >= 3
        con.execute(
            f"update intermediate.{MODEL} set order_id = null where order_key in (?, ?)", keys[:2]
        )
        con.execute(
            f"update intermediate.{MODEL} set ordered_at = null where order_key = ?", [keys[2]]
        )
    finally:
        con.close()

    selector = f"test_name:journey_not_null,{MODEL}"
    run = dbt(["test", "--select", selector], warehouse, tmp_path / "test")
    assert run.returncode == 1, run.stdout[-3000:]
    (result,) = [
        r
        for r in json.loads((tmp_path / "test" / "run_results.json").read_text())["results"]
        if r["unique_id"].startswith(f"test.journey.journey_not_null_{MODEL}_")
    ]
    assert data_test_result(tmp_path / "test", result["unique_id"].split(".")[2]) == ("fail", 2)

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        reported = dict(con.execute(result["compiled_code"]).fetchall())
    finally:
        con.close()
    assert reported == PLANTED
