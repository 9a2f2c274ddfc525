"""The semantic layer: `mf query` (dbt-metricflow) answers on the warehouse the nightly job built,
and its numbers equal the same measures computed directly from the marts."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Built

from orchestration.config import PROJECT_DIR, WAREHOUSE_ENV

MF = Path(sys.executable).parent / "mf"


def _mf_query(built: Built, tmp_path: Path, metrics: str, group_by: str) -> list[dict[str, str]]:
    out = tmp_path / f"{metrics.replace(',', '_')}.csv"
    env = {**os.environ, WAREHOUSE_ENV: str(built.warehouse)}
    completed = subprocess.run(
        [str(MF), "query", "--metrics", metrics, "--group-by", group_by, "--csv", str(out)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_sessions_orders_revenue_per_day(built: Built, tmp_path: Path):
    rows = _mf_query(built, tmp_path, "sessions,orders,net_revenue", "metric_time__day")
    assert rows, "mf query returned no rows"
    got = {row["metric_time__day"][:10]: row for row in rows}
    sessions = dict(
        built.query(
            "select cast(session_date as varchar), count(*) from marts.fct_sessions group by 1"
        )
    )
    orders = {
        day: (count, revenue)
        for day, count, revenue in built.query(
            "select cast(order_date as varchar), count(*), sum(net_revenue_reporting) "
            "from marts.fct_orders where not is_cancelled group by 1"
        )
    }
    assert {day for day, row in got.items() if row["sessions"]} == set(sessions)
    for day, count in sessions.items():
        assert int(float(got[day]["sessions"])) == count
    for day, (count, revenue) in orders.items():
        assert int(float(got[day]["orders"])) == count
        assert float(got[day]["net_revenue"]) == pytest.approx(float(revenue), abs=0.01)


def test_cac_is_cost_over_new_customers_per_month(built: Built, tmp_path: Path):
    rows = _mf_query(built, tmp_path, "cac,marketing_cost,new_customers", "metric_time__month")
    cost = dict(
        built.query(
            "select cast(date_trunc('month', spend_date) as date)::varchar, sum(cost) "
            "from staging.stg_spend__daily_costs group by 1"
        )
    )
    new_customers = dict(
        built.query(
            "select cast(date_trunc('month', order_date) as date)::varchar, count(*) "
            "from marts.fct_orders where is_first_order and not is_cancelled group by 1"
        )
    )
    assert rows
    for row in rows:
        month = row["metric_time__month"][:10]
        assert float(row["marketing_cost"]) == pytest.approx(float(cost[month]), abs=0.01)
        assert int(float(row["new_customers"])) == new_customers[month]
        assert float(row["cac"]) == pytest.approx(float(cost[month]) / new_customers[month])
