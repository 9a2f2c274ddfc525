"""The journey map (issue 11): personas, mart_journey_map, mart_touchpoint_kpis, mart_nps and
mart_friction_points on the generated sample - independent recomputations from the core marts and
staging, and the stage-to-stage rates against the generator's planted journey probabilities."""

from __future__ import annotations

import csv
import math
import os
import subprocess
from pathlib import Path

import duckdb
from conftest import Built, copy_project

from orchestration.config import PROJECT_DIR, WAREHOUSE_ENV, dbt_vars
from orchestration.dbt_assets import DBT_EXECUTABLE
from orchestration.generator import crm
from orchestration.generator.clock import DAY, HOUR
from orchestration.generator.truths import planted_truths

VARS = dbt_vars()
WINDOW_DAYS = int(VARS["journey_map_next_stage_days"])
PERIOD = VARS["journey_map_period"]
TZ = VARS["reporting_timezone"]
STAGES = "marts.mart_customer_journey_stages"
SPELLS = "intermediate.int_journey__stage_spells"
# Tolerance of the planted-rate checks: 3 binomial standard errors of the expected rate
# (sqrt(sum q_i (1 - q_i)) / n over the customers, q_i each one's planted probability).
Z = 3.0

# The stage a customer was in at instant `at`, recomputed here from the stage timestamps (the
# furthest stage reached strictly before `at`, awareness when none is) - not from the models.
STAGE_AT = """
    case
        when s.advocacy_at < {at} then 'advocacy'
        when s.retention_at < {at} then 'retention'
        when s.decision_at < {at} then 'decision'
        when s.consideration_at < {at} then 'consideration'
        else 'awareness'
    end
"""
# When the customer left that stage: the earliest later stage timestamp (all are >= `at`).
LEFT_AT = """
    case
        when s.advocacy_at < {at} then null
        when s.retention_at < {at} then s.advocacy_at
        when s.decision_at < {at} then least(s.retention_at, s.advocacy_at)
        when s.consideration_at < {at} then least(s.decision_at, s.advocacy_at)
        else least(s.consideration_at, s.advocacy_at)
    end
"""
DATA_END = (
    "(select max(t) from (select max(occurred_at) as t from marts.fct_touchpoints "
    "union all select max(converted_at) from marts.fct_conversions))"
)


def period_of(column: str) -> str:
    return f"cast(date_trunc('{PERIOD}', timezone('{TZ}', timezone('UTC', {column}))) as date)"


# ---- personas ---------------------------------------------------------------------------------


def _rule_matches(rule: dict, customer: dict) -> bool:
    for column in (
        "crm_lifecycle_stage",
        "first_touch_channel",
        "first_device_category",
        "rfm_segment",
    ):
        allowed = (rule[column] or "").strip()
        if not allowed:
            continue
        value = customer[column]
        values = {v.strip().lower() for v in allowed.split("|")}
        if value is None or value.strip().lower() not in values:
            return False
    orders = customer["order_count"]
    if rule["min_orders"] and orders < int(rule["min_orders"]):
        return False
    return not (rule["max_orders"] and orders > int(rule["max_orders"]))


def test_every_customer_has_the_persona_of_the_first_matching_seed_rule(built: Built) -> None:
    with open(PROJECT_DIR / "seeds" / "personas.csv", encoding="utf-8") as handle:
        rules = sorted(csv.DictReader(handle), key=lambda r: int(r["priority"]))
    rows = built.query(
        f"""
        select d.customer_key, d.crm_lifecycle_stage, s.first_touch_channel,
            s.first_device_category, coalesce(v.orders, 0), v.rfm_segment, p.persona
        from marts.dim_customers as d
        left join {STAGES} as s on s.customer_key = d.customer_key
        left join marts.mart_customer_value as v on v.customer_key = d.customer_key
        left join marts.dim_customer_personas as p on p.customer_key = d.customer_key
        """
    )
    assert len(rows) == built.query("select count(*) from marts.dim_customer_personas")[0][0]
    keys = ("crm_lifecycle_stage", "first_touch_channel", "first_device_category")
    wrong, personas = [], set()
    for key, *attributes, order_count, rfm_segment, persona in rows:
        customer = dict(zip(keys, attributes, strict=True))
        customer |= {"order_count": order_count, "rfm_segment": rfm_segment}
        expected = next(
            (r["persona"] for r in rules if _rule_matches(r, customer)), VARS["default_persona"]
        )
        personas.add(persona)
        if persona != expected:
            wrong.append((key, persona, expected))
    assert wrong == []
    assert len(personas) >= 5  # the sample exercises most rules


# ---- mart_journey_map ---------------------------------------------------------------------------


def _independent_cells(built: Built) -> dict[tuple, tuple]:
    """(period, stage, channel, touch_type) -> (customers reached, moved on, touches), all personas."""
    rows = built.query(
        f"""
        with staged as (
            select t.customer_key, t.occurred_at, t.channel, t.touch_type,
                {period_of("t.occurred_at")} as period_start,
                {STAGE_AT.format(at="t.occurred_at")} as stage,
                {LEFT_AT.format(at="t.occurred_at")} as left_at
            from marts.fct_touchpoints as t
            inner join {STAGES} as s on s.customer_key = t.customer_key
            where not t.is_duplicate_touch
        ),
        per_customer as (
            select period_start, stage, channel, touch_type, customer_key,
                min(occurred_at) as first_at, max(left_at) as left_at, count(*) as touches
            from staged group by all
        )
        select period_start, stage, channel, touch_type, count(*),
            count(*) filter (where stage <> 'advocacy'
                and left_at <= first_at + interval {WINDOW_DAYS} day),
            sum(touches)
        from per_customer group by all
        """
    )
    return {tuple(r[:4]): tuple(r[4:]) for r in rows}


def test_customers_reached_and_moved_on_equal_an_independent_count(built: Built) -> None:
    expected = _independent_cells(built)
    marts = {
        tuple(r[:4]): tuple(r[4:])
        for r in built.query(
            "select period_start, stage, channel, touch_type, sum(customers_reached), "
            "coalesce(sum(customers_moved_on), 0), sum(touches) "
            "from marts.mart_journey_map group by all"
        )
    }
    assert marts == expected
    # Every non-duplicate touch is in exactly one stage: touches add up.
    touches = built.query(
        "select count(*) from marts.fct_touchpoints where not is_duplicate_touch"
    )[0][0]
    assert sum(v[2] for v in marts.values()) == touches
    stages = {key[1] for key in marts}
    assert {"awareness", "consideration", "decision", "retention"} <= stages


def test_customers_reached_per_stage_equal_an_independent_count(built: Built) -> None:
    """Per (period, stage): distinct customers touched while in the stage - across touchpoints
    a customer counts once, so compare with distinct customers of the model's touch rows."""
    expected = dict(
        ((r[0], r[1]), r[2])
        for r in built.query(
            f"""
            select {period_of("t.occurred_at")}, {STAGE_AT.format(at="t.occurred_at")},
                count(distinct t.customer_key)
            from marts.fct_touchpoints as t
            inner join {STAGES} as s on s.customer_key = t.customer_key
            where not t.is_duplicate_touch
            group by all
            """
        )
    )
    actual = dict(
        ((r[0], r[1]), r[2])
        for r in built.query(
            "select period_start, stage, count(distinct customer_key) "
            "from intermediate.int_journey__stage_touches group by all"
        )
    )
    assert actual == expected
    # Each mart cell's customers are a subset of its stage's: reached <= the stage's customers.
    over = built.query(
        "select m.period_start, m.stage, sum(m.customers_reached) from marts.mart_journey_map m "
        "group by 1, 2, m.channel, m.touch_type"
    )
    assert all(reached <= expected[(p, s)] for p, s, reached in over)


def test_rates_medians_revenue_and_nps_of_the_map(built: Built) -> None:
    bad = built.query(
        f"""
        select count(*) from marts.mart_journey_map
        where (stage = 'advocacy' and next_stage_rate is not null)
            or (stage <> 'advocacy' and abs(next_stage_rate
                - customers_moved_on * 1.0 / customers_reached) > 1e-12)
            or abs(drop_off_rate + next_stage_rate - 1) > 1e-12
            or (customers_moved_on = 0 and median_days_to_next_stage is not null)
            or median_days_to_next_stage > {WINDOW_DAYS}
            or customers_window_open > customers_reached - customers_moved_on
        """
    )
    assert bad == [(0,)]
    # Revenue influenced: every attributed touch (fct_attribution, the configured model) lands in
    # exactly one cell.
    model = VARS["journey_map_attribution_model"]
    attributed = built.query(
        "select sum(revenue_credit) from marts.fct_attribution "
        f"where model = '{model}' and touchpoint_id is not null"
    )[0][0]
    mapped = built.query("select sum(revenue_influenced) from marts.mart_journey_map")[0][0]
    assert attributed > 0
    assert abs(mapped - attributed) < 1e-6 * attributed
    # NPS of a cell: responses of the cell's customers in the period, recomputed from staging.
    expected = dict(
        ((r[0], r[1], r[2], r[3]), (r[4], r[5]))
        for r in built.query(
            f"""
            with cell_customers as (
                select distinct {period_of("t.occurred_at")} as period_start,
                    {STAGE_AT.format(at="t.occurred_at")} as stage, t.channel, t.touch_type,
                    t.customer_key
                from marts.fct_touchpoints as t
                inner join {STAGES} as s on s.customer_key = t.customer_key
                where not t.is_duplicate_touch
            ),
            responses as (
                select i.customer_key, {period_of("n.submitted_at")} as period_start, n.score
                from staging.stg_crm__nps_responses as n
                inner join intermediate.int_identity__identifiers as i
                    on i.identifier_type = 'email' and i.identifier_value = n.email
            )
            select c.period_start, c.stage, c.channel, c.touch_type, count(*),
                100.0 * (count(*) filter (where r.score >= 9)
                    - count(*) filter (where r.score <= 6)) / count(*)
            from cell_customers as c
            inner join responses as r
                on r.customer_key = c.customer_key and r.period_start = c.period_start
            group by all
            """
        )
    )
    actual = dict(
        ((r[0], r[1], r[2], r[3]), (r[4], r[5]))
        for r in built.query(
            "select period_start, stage, channel, touch_type, sum(nps_responses), "
            "100.0 * sum(nps * nps_responses / 100.0) / sum(nps_responses) "
            "from marts.mart_journey_map where nps_responses > 0 group by all"
        )
    )
    assert expected and set(actual) == set(expected)
    for key, (responses, nps) in expected.items():
        assert actual[key][0] == responses
        assert abs(actual[key][1] - nps) < 1e-9


def test_map_cells_show_their_touchpoint_kpi(built: Built) -> None:
    rows = built.query(
        """
        select m.channel, m.touch_type, m.kpi, m.kpi_value, k.kpi_value, m.kpi_status, k.status
        from marts.mart_journey_map as m
        left join marts.mart_touchpoint_kpis as k
            on k.period_start = m.period_start and k.kpi = m.kpi
        """
    )
    by_channel = {
        "Email": "email_click_through_rate",
        "Paid Search": "paid_search_cost_per_acquisition",
    }
    for channel, _touch_type, kpi, value, kpi_value, status, kpi_status in rows:
        assert kpi == by_channel.get(channel)
        assert (value, status) == (kpi_value, kpi_status)


# ---- stage-to-stage rates against the planted journey probabilities ----------------------------


def _binomial_check(outcomes: list[tuple[float, bool]]) -> tuple[int, float, float, float]:
    """(n, observed rate, expected rate, standard error) of independent Bernoulli outcomes, each
    with its planted probability q."""
    n = len(outcomes)
    expected = sum(q for q, _ in outcomes) / n
    observed = sum(1 for _, moved in outcomes if moved) / n
    se = math.sqrt(sum(q * (1 - q) for q, _ in outcomes)) / n
    return n, observed, expected, se


def test_consideration_to_decision_rate_matches_the_planted_conversion_probability(
    built: Built,
) -> None:
    """Planted truth 3: a person converts with probability p = 1 - (1 - base) prod (1 - lift_c)
    over the channels of their journey (truth persons.planted_convert_probability), in the last
    journey session. So a considering customer reaches decision within the window with probability
    p when that last journey session falls within min(window, time to the data end) of
    consideration_at, else 0. Customers: single-device persons (one consented, unshared device,
    so one customer holds all their sessions, however identity resolution goes) without marketplace
    orders (outside the planted process). Converting sessions always view an item (they are always
    considering); non-converting ones nearly always (a small upward bias, well inside the
    tolerance)."""
    rows = built.query(
        f"""
        with single_device_persons as (
            select person_id, min(user_pseudo_id) as user_pseudo_id from truth_devices
            group by 1 having count(*) = 1 and bool_and(analytics_consent) and not bool_or(shared)
        ),
        device_customers as (
            select user_pseudo_id, min(customer_key) as customer_key from marts.fct_sessions
            group by 1 having count(distinct customer_key) = 1
        ),
        one_device_customers as (
            select customer_key from marts.fct_sessions
            group by 1 having count(distinct user_pseudo_id) = 1
        ),
        marketplace as (
            select distinct customer_key from marts.fct_orders where order_source <> 'shopify'
        ),
        last_journey_sessions as (
            select person_id, max(session_start) as last_at from truth_sessions
            where kind = 'journey' group by 1
        )
        select p.planted_convert_probability,
            j.last_at <= s.entered_at + to_microseconds(cast(least(
                {WINDOW_DAYS} * 86400e6, date_diff('microsecond', s.entered_at, {DATA_END})
            ) as bigint)),
            s.left_at is not null and s.left_at <= s.entered_at + interval {WINDOW_DAYS} day
        from single_device_persons as sp
        inner join device_customers as dc on dc.user_pseudo_id = sp.user_pseudo_id
        inner join one_device_customers as oc on oc.customer_key = dc.customer_key
        inner join {SPELLS} as s on s.customer_key = dc.customer_key and s.stage = 'consideration'
        inner join truth_persons as p on p.person_id = sp.person_id
        inner join last_journey_sessions as j on j.person_id = sp.person_id
        where dc.customer_key not in (select customer_key from marketplace)
        """
    )
    n, observed, expected, se = _binomial_check(
        [(probability if reachable else 0.0, moved) for probability, reachable, moved in rows]
    )
    assert n > 500
    assert abs(observed - expected) <= Z * se, (n, observed, expected, se)


def test_decision_to_next_stage_rate_matches_planted_bgnbd_and_nps(built: Built) -> None:
    """Planted truths 1 and the CRM survey: after the first order a buyer repeats as a Poisson
    process with their rate lambda (no dropout before the first repeat), so P(second order within
    h days) = 1 - exp(-lambda h); 14 days after the first order the survey is answered with
    probability SURVEY_RESPONSE, 9-10 with P(promoter) from NPS_WEIGHTS, within 0.1-72 hours. A
    decision customer moves on (retention or advocacy, whichever first) within
    h = min(window, time to the data end) with q = 1 - exp(-lambda h) (1 - P(promoter response
    by h)). Customers: one truth person by email (lambda from truth persons), no marketplace order.
    For the full window and the population (lambda ~ Gamma(r, alpha)) that is
    1 - (alpha / (alpha + 30))^r (1 - 0.3 x 0.52) = 0.63."""
    bgnbd = planted_truths().bgnbd
    weights = crm.NPS_WEIGHTS
    promoter_share = sum(weights[9:]) / sum(weights)
    survey_days = crm.SURVEY_AFTER / DAY
    first, last = survey_days + 0.1 * HOUR / DAY, survey_days + 72 * HOUR / DAY

    def promoter_by(h: float) -> float:
        return (
            crm.SURVEY_RESPONSE * promoter_share * min(1.0, max(0.0, (h - first) / (last - first)))
        )

    rows = built.query(
        f"""
        with email_persons as (
            select i.customer_key, min(p.person_id) as person_id
            from intermediate.int_identity__identifiers as i
            inner join truth_persons as p on p.email = i.identifier_value
            where i.identifier_type = 'email'
            group by 1 having count(distinct p.person_id) = 1
        ),
        marketplace as (
            select distinct customer_key from marts.fct_orders where order_source <> 'shopify'
        )
        select p.bgnbd_lambda,
            least({WINDOW_DAYS}, date_diff('second', s.entered_at, {DATA_END}) / 86400.0),
            s.left_at is not null and s.left_at <= s.entered_at + interval {WINDOW_DAYS} day
        from {SPELLS} as s
        inner join email_persons as e on e.customer_key = s.customer_key
        inner join truth_persons as p on p.person_id = e.person_id
        where s.stage = 'decision'
            and s.customer_key not in (select customer_key from marketplace)
        """
    )
    n, observed, expected, se = _binomial_check(
        [(1 - math.exp(-lam * h) * (1 - promoter_by(h)), moved) for lam, h, moved in rows]
    )
    assert n > 100
    assert abs(observed - expected) <= Z * se, (n, observed, expected, se)
    population = 1 - (bgnbd.alpha / (bgnbd.alpha + WINDOW_DAYS)) ** bgnbd.r * (
        1 - promoter_by(WINDOW_DAYS)
    )
    assert abs(population - 0.63) < 0.005


# ---- mart_nps ----------------------------------------------------------------------------------


def test_nps_equals_a_direct_computation_from_the_responses(built: Built) -> None:
    direct = built.query(
        f"""
        select {period_of("submitted_at")}, count(*),
            count(*) filter (where score >= 9), count(*) filter (where score between 7 and 8),
            count(*) filter (where score <= 6)
        from staging.stg_crm__nps_responses group by 1
        """
    )
    assert direct and sum(r[1] for r in direct) > 10
    for period, responses, promoters, passives, detractors in direct:
        row = built.query(
            "select sum(responses), sum(promoters), sum(passives), sum(detractors), "
            "100.0 * (sum(promoters) - sum(detractors)) / sum(responses) "
            "from marts.mart_nps where period_start = ?",
            [period],
        )[0]
        assert row[:4] == (responses, promoters, passives, detractors)
        assert abs(row[4] - 100.0 * (promoters - detractors) / responses) < 1e-9
    bad = built.query(
        "select count(*) from marts.mart_nps where abs(nps - 100.0 * (promoters - detractors) "
        "/ responses) > 1e-9 or promoters + passives + detractors <> responses "
        "or stage_respondents > stage_customers"
    )
    assert bad == [(0,)]


def test_nps_stage_and_last_touch_at_response_time(built: Built) -> None:
    expected = sorted(
        built.query(
            f"""
            with responses as (
                select n.nps_response_id, n.submitted_at, i.customer_key
                from staging.stg_crm__nps_responses as n
                left join intermediate.int_identity__identifiers as i
                    on i.identifier_type = 'email' and i.identifier_value = n.email
            ),
            last_touches as (
                select r.nps_response_id, t.channel,
                    row_number() over (partition by r.nps_response_id
                        order by t.occurred_at desc, t.touchpoint_id desc) as k
                from responses as r
                inner join marts.fct_touchpoints as t
                    on t.customer_key = r.customer_key and t.occurred_at <= r.submitted_at
                    and not t.is_duplicate_touch
            )
            select {period_of("r.submitted_at")},
                coalesce({STAGE_AT.format(at="r.submitted_at")}, 'awareness'),
                coalesce(l.channel, '(none)'), count(*)
            from responses as r
            left join {STAGES} as s on s.customer_key = r.customer_key
            left join last_touches as l on l.nps_response_id = r.nps_response_id and l.k = 1
            group by all
            """
        )
    )
    actual = sorted(
        built.query(
            "select period_start, stage, last_touch_channel, sum(responses) from marts.mart_nps "
            "group by all"
        )
    )
    assert actual == expected
    # Post-purchase survey: nobody answers before buying.
    stages = {stage for _, stage, _, _ in actual}
    assert stages <= {"decision", "retention", "advocacy"}


# ---- mart_touchpoint_kpis ----------------------------------------------------------------------


def test_kpi_values_equal_direct_computations(built: Built) -> None:
    kpis = {
        (r[0], r[1]): r[2]
        for r in built.query("select period_start, kpi, kpi_value from marts.mart_touchpoint_kpis")
    }
    periods = {period for period, _ in kpis}
    local_date = f"cast(timezone('{TZ}', timezone('UTC', occurred_at)) as date)"
    direct: dict[str, dict] = {
        "email_click_through_rate": dict(
            built.query(
                f"""
                select cast(date_trunc('{PERIOD}', {local_date}) as date),
                    count(distinct case when event_type = 'clicked' then
                        email || '|' || coalesce(campaign_id, flow_id, '') || '|' || {local_date}
                        end) / count(*) filter (where event_type = 'delivered')
                from staging.stg_email__activity group by 1
                """
            )
        ),
        "product_page_add_to_cart_rate": dict(
            built.query(
                f"select cast(date_trunc('{PERIOD}', session_date) as date), "
                "count(*) filter (where has_add_to_cart) / count(*) "
                "from marts.fct_sessions where has_view_item group by 1"
            )
        ),
        "checkout_completion_rate": dict(
            built.query(
                f"select cast(date_trunc('{PERIOD}', session_date) as date), "
                "count(*) filter (where has_purchase) / count(*) "
                "from marts.fct_sessions where has_begin_checkout group by 1"
            )
        ),
    }
    # Paid search: google / cpc is the sample's only Paid Search spend (GA4: a search source with
    # a paid medium).
    model = VARS["touchpoint_kpi_attribution_model"]
    cost = dict(
        built.query(
            f"select cast(date_trunc('{PERIOD}', spend_date) as date), sum(cost) "
            "from staging.stg_spend__daily_costs where medium = 'cpc' group by 1"
        )
    )
    first_orders = dict(
        built.query(
            f"""
            select {period_of("a.converted_at")}, sum(a.credit)
            from marts.fct_attribution as a
            inner join marts.fct_conversions as c on c.conversion_id = a.conversion_id
            inner join marts.fct_orders as o on o.order_key = c.order_key
            where a.model = '{model}' and a.channel = 'Paid Search' and o.is_first_order
            group by 1
            """
        )
    )
    direct["paid_search_cost_per_acquisition"] = {
        p: float(cost[p]) / first_orders[p] for p in cost if first_orders.get(p)
    }
    for kpi, values in direct.items():
        assert values, kpi
        for period in periods:
            value = kpis[(period, kpi)]
            if period in values:
                assert abs(value - float(values[period])) < 1e-9, (kpi, period, value, values)
            else:
                assert value is None
    statuses = built.query(
        "select count(*) from marts.mart_touchpoint_kpis where status <> case "
        "when kpi_value is null then 'no data' "
        "when (direction = 'higher_is_better') = (kpi_value >= target) "
        "  or (direction = 'lower_is_better' and kpi_value <= target) then 'on target' "
        "else 'below target' end"
    )
    assert statuses == [(0,)]


def test_an_unknown_kpi_in_the_seed_fails_its_test_with_a_clear_message(tmp_path: Path) -> None:
    project = tmp_path / "project"
    copy_project(project)
    with (project / "seeds" / "touchpoint_kpis.csv").open("a", encoding="utf-8") as handle:
        handle.write(
            "Email,Email,email_opened,email_open_rate,0.3,higher_is_better,CRM,true,Opens\n"
        )
    warehouse = tmp_path / "seed_only.duckdb"
    env = {**os.environ, WAREHOUSE_ENV: str(warehouse), "DBT_PROFILES_DIR": str(project)}
    completed = subprocess.run(
        [DBT_EXECUTABLE, "build", "--select", "touchpoint_kpis", "--store-failures"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode != 0
    assert "FAIL 1 journey_known_touchpoint_kpi_touchpoint_kpis_kpi" in completed.stdout, (
        completed.stdout[-3000:]
    )
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        (problem,) = con.execute(
            "select problem from dbt_test__audit.journey_known_touchpoint_kpi_touchpoint_kpis_kpi"
        ).fetchone()
    finally:
        con.close()
    assert problem.startswith("unknown KPI 'email_open_rate' in seed touchpoint_kpis")
    assert "email_click_through_rate" in problem


# ---- mart_friction_points ----------------------------------------------------------------------


def test_friction_points_rank_the_latest_drop_offs(built: Built) -> None:
    latest, previous = built.query(
        "select max(period_start), max(previous_period_start) from marts.mart_friction_points"
    )[0]
    assert latest == built.query("select max(period_start) from marts.mart_journey_map")[0][0]
    map_cells = {
        r[:3]: r[3:]
        for r in built.query(
            f"""
            select stage, channel, touch_type,
                sum(customers_reached) filter (where period_start = '{latest}'),
                sum(customers_reached - customers_moved_on) filter (where period_start = '{latest}'),
                coalesce(sum(customers_reached) filter (where period_start = '{previous}'), 0)
            from marts.mart_journey_map where stage <> 'advocacy' group by all
            having sum(customers_reached) filter (where period_start = '{latest}') > 0
            """
        )
    }
    friction = {
        r[:3]: r[3:]
        for r in built.query(
            "select stage, channel, touch_type, entrants_now, lost_now, entrants_before "
            "from marts.mart_friction_points where source = 'journey_map'"
        )
    }
    assert friction == map_cells
    funnel = dict(
        built.query(
            f"""
            select step_number, sum(entrants) - sum(completions)
            from marts.mart_funnel_daily
            where funnel_name = 'ecommerce' and completions is not null
                and cast(date_trunc('{PERIOD}', entry_date) as date) = '{latest}'
            group by 1
            """
        )
    )
    lost = dict(
        built.query(
            "select step_number, lost_now from marts.mart_friction_points "
            "where source = 'funnel' and funnel_name = 'ecommerce'"
        )
    )
    assert lost == funnel
    ranked = built.query(
        "select friction_rank, lost_now from marts.mart_friction_points "
        "where friction_rank is not null order by friction_rank"
    )
    assert [r[0] for r in ranked] == list(range(1, len(ranked) + 1))
    assert [r[1] for r in ranked] == sorted((r[1] for r in ranked), reverse=True)
