"""Funnels (SPEC section 6): the marts agree with the generator's planted funnel, and a funnel added
only through configuration (var funnels) shows up in the marts."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import Built, copy_warehouse

from orchestration import marts_db
from orchestration.config import PROJECT_DIR
from orchestration.generator import planted_truths

ECOMMERCE_STEPS = [
    "session_start",
    "view_item",
    "add_to_cart",
    "begin_checkout",
    "add_payment_info",
    "purchase",
]
# Binomial standard errors a measured count may be off by.
TOLERANCE_SE = 4.0


def reached_by_step(built: Built, funnel: str) -> dict[str, int]:
    rows = built.query(
        "select step_name, sum(entrants) from marts.mart_funnel_daily "
        "where funnel_name = ? group by step_name",
        [funnel],
    )
    return {name: int(count) for name, count in rows}


def test_ecommerce_funnel_matches_planted_probabilities(built: Built) -> None:
    reached = reached_by_step(built, "ecommerce")
    assert list(reached) and set(reached) == set(ECOMMERCE_STEPS)
    n_sessions = built.query("select count(*) from marts.fct_sessions")[0][0]
    # Every session starts with session_start; every purchasing session is counted at the end.
    assert reached["session_start"] == n_sessions
    n_purchase = reached["purchase"]
    assert (
        n_purchase
        == built.query("select count(*) from marts.fct_sessions where has_purchase")[0][0]
    )
    n_other = n_sessions - n_purchase

    funnel = planted_truths().funnel
    share = 1.0  # P(non-purchasing session reaches the step)
    for step, probability in funnel.steps:
        share *= probability
        expected = n_purchase + n_other * share
        se = math.sqrt(n_other * share * (1.0 - share))
        assert abs(reached[step] - expected) <= TOLERANCE_SE * se, (
            step,
            reached[step],
            expected,
            se,
        )
        # The step rate of non-purchasing sessions, with its own standard error.
        rate = (reached[step] - n_purchase) / n_other
        assert abs(rate - share) <= TOLERANCE_SE * math.sqrt(share * (1 - share) / n_other)

    # Closed funnel: each step's entrants are the previous step's completions and never grow.
    rows = built.query(
        "select step_number, sum(entrants), sum(completions), sum(drop_off) "
        "from marts.mart_funnel_daily where funnel_name = 'ecommerce' group by 1 order by 1"
    )
    for (_, entrants, completions, _), (_, next_entrants, _, next_drop) in zip(
        rows, rows[1:], strict=False
    ):
        assert completions == next_entrants <= entrants
        assert next_drop == entrants - next_entrants


def test_site_kpis_cart_abandonment(built: Built) -> None:
    sessions, purchases, carts, abandonment = built.query(
        "select sum(sessions), sum(purchasing_sessions), sum(add_to_cart_sessions), "
        "1 - sum(cart_abandonment_rate * add_to_cart_sessions) / sum(add_to_cart_sessions) "
        "from marts.mart_site_kpis_daily where add_to_cart_sessions > 0"
    )[0]
    assert sessions <= built.query("select count(*) from marts.fct_sessions")[0][0]
    # Purchasing sessions all passed add_to_cart (planted), so 1 - abandonment = purchases / carts.
    assert math.isclose(abandonment, purchases / carts, rel_tol=1e-9)


def default_funnels() -> list[dict]:
    with open(PROJECT_DIR / "dbt_project.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["vars"]["funnels"]


def test_funnel_added_by_configuration_only(built: Built, tmp_path: Path) -> None:
    warehouse = tmp_path / "journey.duckdb"
    copy_warehouse(built.warehouse, warehouse)
    funnels = default_funnels() + [
        {
            "name": "checkout_only",
            "steps": [
                {"name": "checkout", "event": "begin_checkout"},
                {"name": "paid", "event": "purchase"},
            ],
        }
    ]
    env = {**os.environ, "JOURNEY_WAREHOUSE": str(warehouse), "DBT_LOG_PATH": str(tmp_path)}
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [
            str(dbt),
            "build",
            "--select",
            "int_funnels__entries+",
            "--vars",
            json.dumps({"funnels": funnels}),
            "--target-path",
            str(tmp_path / "target"),
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]

    con = marts_db.connect(warehouse, read_only=True)
    try:
        steps = con.execute(
            "select step_number, step_name, sum(entrants), sum(completions) "
            "from marts.mart_funnel_daily where funnel_name = 'checkout_only' "
            "group by 1, 2 order by 1"
        ).fetchall()
        checkout_sessions = con.execute(
            "select count(*) from marts.fct_sessions where has_begin_checkout"
        ).fetchone()[0]
        # Independent count from the events: sessions with begin_checkout before a purchase.
        checkout_then_paid = con.execute(
            "select count(distinct c.session_key) "
            "from intermediate.int_ga4__session_events as c "
            "join intermediate.int_ga4__session_events as p "
            "  on p.session_key = c.session_key and p.event_index > c.event_index "
            "where c.event_name = 'begin_checkout' and p.event_name = 'purchase'"
        ).fetchone()[0]
        ecommerce = con.execute(
            "select count(*) from marts.mart_funnel_daily where funnel_name = 'ecommerce'"
        ).fetchone()[0]
    finally:
        con.close()

    assert [(number, name) for number, name, _, _ in steps] == [(1, "checkout"), (2, "paid")]
    assert steps[0][2] == checkout_sessions > 0
    assert steps[0][3] == steps[1][2] == checkout_then_paid
    assert ecommerce > 0  # the configured default funnel is still there
