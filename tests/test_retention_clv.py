"""Retention and CLV marts (SPEC 8, 9) against independent computations.

Cohorts, customer value and the CLV summaries are recomputed in plain Python from the rows of
marts.fct_orders, and the per-customer facts are checked against the generator's truth files
(_truth/orders.parquet) wherever the identity graph maps a generated person to exactly one customer.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from conftest import Built
from scipy.stats import chi2

from orchestration import marts_db
from orchestration.clv import (
    BgNbdParams,
    GammaGammaParams,
    bgnbd_log_likelihood,
    bgnbd_standard_errors,
    gamma_gamma_log_likelihood,
    gamma_gamma_standard_errors,
    summarise_transactions,
)
from orchestration.config import PROJECT_DIR
from orchestration.generator import generate, planted_truths

RETENTION = "marts.mart_cohort_retention"
VALUE = "marts.mart_customer_value"
SUMMARIES = "intermediate.int_customers__clv_summaries"
CHURN_DAYS = 180  # var churn_days default
CENT = 0.005 + 1e-9


def period_start(day: date, grain: str) -> date:
    if grain == "month":
        return day.replace(day=1)
    return day - timedelta(days=day.weekday())  # weeks start on Monday (DuckDB date_trunc)


def period_number(cohort: date, period: date, grain: str) -> int:
    if grain == "month":
        return (period.year - cohort.year) * 12 + period.month - cohort.month
    return (period - cohort).days // 7


def add_periods(cohort: date, n: int, grain: str) -> date:
    if grain == "month":
        months = cohort.month - 1 + n
        return date(cohort.year + months // 12, months % 12 + 1, 1)
    return cohort + timedelta(weeks=n)


def orders_of(built: Built) -> list[tuple]:
    """Non-cancelled orders with a customer: (customer_key, ordered_at, order_date, net revenue)."""
    return built.query(
        "select customer_key, ordered_at, order_date, net_revenue_reporting from marts.fct_orders "
        "where not is_cancelled and customer_key is not null order by customer_key, ordered_at"
    )


def data_end(built: Built) -> date:
    return built.query("select max(order_date) from marts.fct_orders")[0][0]


def expected_cohorts(built: Built, grain: str) -> dict[tuple, tuple]:
    """'All' rows recomputed: (cohort_start, period_number) -> (size, active, orders, net)."""
    by_customer: dict[str, list[tuple]] = defaultdict(list)
    for customer, _, day, net in orders_of(built):
        by_customer[customer].append((day, net))
    end_period = period_start(data_end(built), grain)
    members: dict[date, set[str]] = defaultdict(set)
    active: dict[tuple, set[str]] = defaultdict(set)
    orders: dict[tuple, int] = defaultdict(int)
    revenue: dict[tuple, Decimal] = defaultdict(Decimal)
    for customer, rows in by_customer.items():
        cohort = period_start(min(day for day, _ in rows), grain)
        members[cohort].add(customer)
        for day, net in rows:
            key = (cohort, period_number(cohort, period_start(day, grain), grain))
            active[key].add(customer)
            orders[key] += 1
            revenue[key] += net
    expected = {}
    for cohort, customers in members.items():
        for n in range(period_number(cohort, end_period, grain) + 1):
            key = (cohort, n)
            expected[key] = (len(customers), len(active[key]), orders[key], revenue[key])
    return expected


@pytest.mark.parametrize("grain", ["month", "week"])
def test_cohorts_match_a_recomputation_from_fct_orders(built: Built, grain: str) -> None:
    expected = expected_cohorts(built, grain)
    rows = built.query(
        f"select cohort_start_date, period_number, period_start_date, cohort_size, "
        f"active_customers, orders, net_revenue, retention_rate, "
        f"cumulative_net_revenue_per_customer from {RETENTION} "
        f"where cohort_grain = ? and first_touch_channel = 'All' "
        f"order by cohort_start_date, period_number",
        [grain],
    )
    assert len(rows) == len(expected)
    cumulative: dict[date, Decimal] = defaultdict(Decimal)
    for cohort, n, start, size, active, orders, net, rate, per_customer in rows:
        assert (size, active, orders, net) == expected[(cohort, n)], (cohort, n)
        assert start == add_periods(cohort, n, grain)
        assert rate == pytest.approx(active / size)
        cumulative[cohort] += net
        assert float(per_customer) == pytest.approx(float(cumulative[cohort]) / size, abs=CENT)
    if grain == "week":  # empty weeks inside a cohort's range exist, with 0 active
        assert any(active == 0 for _, active, _, _ in expected.values())


def test_cohort_sizes_add_up_to_the_buyers(built: Built) -> None:
    buyers = len({row[0] for row in orders_of(built)})
    sizes = dict(
        built.query(
            f"select cohort_grain, sum(cohort_size) from {RETENTION} "
            "where period_number = 0 and first_touch_channel = 'All' group by 1"
        )
    )
    assert sizes == {"month": buyers, "week": buyers}
    by_channel = dict(
        built.query(
            f"select cohort_grain, sum(cohort_size) from {RETENTION} "
            "where period_number = 0 and first_touch_channel <> 'All' group by 1"
        )
    )
    assert by_channel == sizes


def quintile_scores(values: dict[str, float]) -> dict[str, int]:
    """Score 1-5 of each key, higher value = better; ties share the lower score (rank rule)."""
    ordered = sorted(values.values())
    n = len(ordered)
    first_position = {}
    for position, value in enumerate(ordered):
        first_position.setdefault(value, position)
    if n == 1:
        return dict.fromkeys(values, 1)
    return {k: min(5, 1 + (5 * first_position[v]) // (n - 1)) for k, v in values.items()}


def rfm_segments() -> list[dict[str, str]]:
    with Path(PROJECT_DIR, "seeds", "rfm_segments.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def segment_of(recency: int, frequency: int) -> str:
    matches = [
        s["rfm_segment"]
        for s in rfm_segments()
        if int(s["recency_score_min"]) <= recency <= int(s["recency_score_max"])
        and int(s["frequency_score_min"]) <= frequency <= int(s["frequency_score_max"])
    ]
    assert len(matches) == 1
    return matches[0]


def test_customer_value_matches_a_recomputation_from_fct_orders(built: Built) -> None:
    end = data_end(built)  # var clv_observation_end is null: the last order date
    by_customer: dict[str, list[tuple]] = defaultdict(list)
    for customer, ordered_at, day, net in orders_of(built):
        by_customer[customer].append((ordered_at, day, net))
    recency = {c: (end - max(r[1] for r in rows)).days for c, rows in by_customer.items()}
    frequency = {c: len(rows) for c, rows in by_customer.items()}
    monetary = {c: sum(r[2] for r in rows) for c, rows in by_customer.items()}
    r_score = quintile_scores({c: -days for c, days in recency.items()})
    f_score = quintile_scores(frequency)
    m_score = quintile_scores(monetary)

    rows = built.query(
        f"select customer_key, first_ordered_at, last_order_date, observation_end_date, orders, "
        f"net_revenue, is_repeat_customer, days_to_second_order, days_since_last_order, "
        f"is_churned, recency_score, frequency_score, monetary_score, rfm_segment from {VALUE}"
    )
    assert len(rows) == len(by_customer)
    for (customer, first_at, last_day, obs_end, orders, net, repeat, to_second, since, churned,
         r, f, m, segment) in rows:  # fmt: skip
        mine = by_customer[customer]
        assert obs_end == end
        assert first_at == mine[0][0]
        assert last_day == max(row[1] for row in mine)
        assert (orders, net) == (frequency[customer], monetary[customer])
        assert repeat == (orders >= 2)
        if orders >= 2:
            seconds = (mine[1][0] - mine[0][0]).total_seconds()
            assert to_second == pytest.approx(seconds / 86400)
        else:
            assert to_second is None
        assert since == recency[customer]
        assert churned == (since >= CHURN_DAYS)
        assert (r, f, m) == (r_score[customer], f_score[customer], m_score[customer]), customer
        assert segment == segment_of(r, f)


def test_clv_summaries_match_orchestration_clv_summarise_transactions(built: Built) -> None:
    """The SQL summaries equal the Python package's own (independent) summarising."""
    orders = orders_of(built)
    reference = summarise_transactions(
        np.array([row[0] for row in orders]),
        np.array([row[2] for row in orders], dtype="datetime64[D]"),
        np.array([float(row[3]) for row in orders]),
        observation_end=data_end(built),
    )
    rows = built.query(f"select customer_key, x, t_x, age_t, m from {SUMMARIES} order by 1")
    assert [row[0] for row in rows] == reference.customer_id.tolist()
    mine = np.array([[x, t_x, age_t, m or 0.0] for _, x, t_x, age_t, m in rows], dtype=float)
    np.testing.assert_array_equal(
        mine[:, :3], np.column_stack([reference.x, reference.t_x, reference.T])
    )
    np.testing.assert_allclose(mine[:, 3], reference.m, atol=1e-9)
    assert (reference.x > 0).sum() > 0  # the sample has repeat buyers


def test_customer_value_agrees_with_the_generator_truth(built: Built) -> None:
    """Customers that are exactly one generated person (and buy only in the Shopify shop)."""
    rows = built.query(
        f"""
        with links as (
            select distinct o.customer_key, t.person_id
            from truth_orders as t
            inner join marts.fct_orders as o
                on o.order_source = 'shopify' and o.order_id = t.order_name
        ),
        one_to_one as (
            select customer_key, min(person_id) as person_id
            from links
            where person_id in (
                select person_id from links group by 1 having count(distinct customer_key) = 1
            )
            group by 1
            having count(distinct person_id) = 1
        ),
        shop_only as (
            select customer_key from one_to_one
            where customer_key not in (
                select customer_key from marts.fct_orders
                where order_source <> 'shopify' and not is_cancelled
                    and customer_key is not null
            )
        ),
        truth as (
            select
                person_id,
                count(*) as orders,
                date_trunc('second', min(created_at)) as first_ordered_at,  -- export: seconds
                sum(round((total - refunded_amount) * (gross_value_usd / total), 2)) as net_revenue
            from truth_orders
            where not is_cancelled
            group by 1
        )
        select
            v.customer_key,
            v.orders, truth.orders,
            v.first_ordered_at, truth.first_ordered_at,
            v.net_revenue, truth.net_revenue
        from shop_only
        inner join one_to_one using (customer_key)
        inner join truth using (person_id)
        inner join {VALUE} as v using (customer_key)
        """
    )
    buyers = built.query(f"select count(*) from {VALUE}")[0][0]
    assert len(rows) >= 0.8 * buyers  # identity resolves most buyers one-to-one
    for customer, orders, truth_orders, first_at, truth_first, net, truth_net in rows:
        assert orders == truth_orders, customer
        assert first_at == truth_first, customer
        assert float(net) == pytest.approx(truth_net, abs=CENT * orders), customer


# --- predictive CLV: the nightly fit ------------------------------------------------------------

FIT = "marts.mart_clv_model_fit"
BGNBD_PARAMS = ("r", "alpha", "a", "b")
GAMMA_GAMMA_PARAMS = ("p", "q", "gamma")
FIT_COLUMNS = (
    "model",
    *BGNBD_PARAMS,
    *GAMMA_GAMMA_PARAMS,
    "log_likelihood",
    "n_customers",
    "converged",
    "fit_seconds",
    "holdout_days",
    "holdout_customers",
    "holdout_actual",
    "holdout_predicted",
    "holdout_mae",
)
# Likelihood-ratio test at 99.9%: chi-square quantiles with 4 (BG/NBD) and 3 (Gamma-Gamma) d.o.f.
LR_LIMIT = {"bgnbd": chi2.ppf(0.999, 4), "gamma_gamma": chi2.ppf(0.999, 3)}
PLANTED = planted_truths()


def fits(query: Callable[[str], list[tuple]]) -> dict[str, dict]:
    rows = query(f"select {', '.join(FIT_COLUMNS)} from {FIT}")
    return {row[0]: dict(zip(FIT_COLUMNS, row, strict=True)) for row in rows}


def summaries(query: Callable[[str], list[tuple]]) -> tuple[np.ndarray, ...]:
    rows = query(f"select x, t_x, age_t, coalesce(m, 0) from {SUMMARIES} order by customer_key")
    return tuple(np.array(column, dtype=float) for column in zip(*rows, strict=True))


def test_nightly_fit_report_and_predictions(built: Built) -> None:
    fit = fits(built.query)
    assert set(fit) == {"bgnbd", "gamma_gamma"}
    x, _, _, m = summaries(built.query)
    assert fit["bgnbd"]["n_customers"] == len(x)
    assert fit["gamma_gamma"]["n_customers"] == int(((x > 0) & (m > 0)).sum())
    for model, own, other in (
        ("bgnbd", BGNBD_PARAMS, GAMMA_GAMMA_PARAMS),
        ("gamma_gamma", GAMMA_GAMMA_PARAMS, BGNBD_PARAMS),
    ):
        row = fit[model]
        assert row["converged"] and row["fit_seconds"] > 0
        assert all(row[name] > 0 for name in own) and all(row[name] is None for name in other)
        assert row["holdout_days"] is None and row["holdout_mae"] is None  # no holdout by default
    dates = built.query(f"select count(distinct fit_date), count(*) from {FIT}")
    assert dates == [(1, 2)]

    bad = built.query(
        f"""
        select count(*) from {VALUE} as v
        inner join {SUMMARIES} as s using (customer_key)
        where v.probability_alive is null or v.predicted_clv is null
            or v.probability_alive < 0 or v.probability_alive > 1
            or (s.x = 0 and v.probability_alive <> 1)
            or v.expected_purchases_90d < 0
            or v.expected_purchases_365d < v.expected_purchases_90d
            or v.expected_order_value <= 0 or v.predicted_clv < 0
        """
    )
    assert bad == [(0,)]


def test_nightly_fit_does_not_reject_the_planted_parameters(built: Built) -> None:
    """1500 customers x 45 days leave ~200 buyers and ~60 repeat buyers: far too few to pin the
    parameters down (the dropout Beta(a, b) is not identified: a, b run off to large values with
    a / (a + b) fixed, so standard errors are useless). The tolerance is therefore the fit's own
    likelihood-ratio test: the planted parameters must lie inside the 99.9% joint confidence region,
    2 (LL_fit - LL_planted) <= chi2_0.999(k). Gamma-Gamma is fitted on net revenue (refunds
    subtracted) while the planted values are gross: still not rejected at this sample size."""
    fit = fits(built.query)
    x, t_x, age_t, m = summaries(built.query)
    bg, gg = PLANTED.bgnbd, PLANTED.gamma_gamma
    planted_ll = {
        "bgnbd": bgnbd_log_likelihood(BgNbdParams(bg.r, bg.alpha, bg.a, bg.b), x, t_x, age_t).sum(),
        "gamma_gamma": gamma_gamma_log_likelihood(
            GammaGammaParams(gg.p, gg.q, gg.gamma), x[(x > 0) & (m > 0)], m[(x > 0) & (m > 0)]
        ).sum(),
    }
    for model, limit in LR_LIMIT.items():
        ratio = 2 * (fit[model]["log_likelihood"] - planted_ll[model])
        assert -1e-6 <= ratio <= limit, (model, ratio)  # the fit is the maximum


# --- predictive CLV on a larger orders-only sample ------------------------------------------------

LARGE_SAMPLE = {"customers": 20_000, "days": 180, "seed": 11}  # ~2,350 buyers, ~1,600 repeat
HOLDOUT_DAYS = 30
DBT = Path(sys.executable).parent / "dbt"
CLV_MODELS = (
    "int_customers__purchase_days int_customers__clv_summaries int_customers__clv_holdout "
    "int_customers__clv_fits mart_clv_model_fit"
)


class OrdersOnly:
    """A warehouse holding only marts.fct_orders, built from a generated sample's truth orders
    (customer = generated person: identity is exact), and the CLV models dbt built on it."""

    def __init__(self, root: Path, warehouse: Path) -> None:
        self.root, self.warehouse = root, warehouse

    def dbt(self, *args: str) -> None:
        env = {**os.environ, "JOURNEY_WAREHOUSE": str(self.warehouse)}
        command = [
            str(DBT),
            *args,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(self.root / "target"),
            "--log-path",
            str(self.root / "logs"),
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout[-4000:]

    def query(self, sql: str) -> list[tuple]:
        con = marts_db.connect(self.warehouse, read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()


@pytest.fixture(scope="module")
def orders_only(tmp_path_factory: pytest.TempPathFactory) -> OrdersOnly:
    root = tmp_path_factory.mktemp("clv_orders_only")
    generate(out_dir=root / "landing", **LARGE_SAMPLE)
    sample = OrdersOnly(root, root / "clv.duckdb")
    con = marts_db.connect(sample.warehouse)  # fct_orders in the marts file, where dbt reads it
    try:
        # The fct_orders columns the CLV models read; money in USD (the reporting currency).
        con.execute(
            f"""
            create table marts.fct_orders as
            select
                'person-' || person_id as customer_key,
                created_at as ordered_at,
                cast(timezone('{PLANTED.time_zone}', timezone('UTC', created_at)) as date)
                    as order_date,
                is_cancelled,
                cast(round(gross_value_usd, 2) as decimal(18, 2)) as gross_revenue_reporting,
                cast(case when is_cancelled then 0 else round(
                    (total - refunded_amount) * gross_value_usd / total, 2) end as decimal(18, 2))
                    as net_revenue_reporting
            from read_parquet('{root / "landing" / "_truth" / "orders.parquet"}')
            """
        )
    finally:
        con.close()
    # Gamma-Gamma is planted on the gross order value: fit on gross revenue here.
    variables = f"{{clv_monetary_value: gross_revenue, clv_holdout_days: {HOLDOUT_DAYS}}}"
    # build runs the data tests too; the unit tests need the whole fct_orders, not this subset.
    sample.dbt(
        "build", "--select", CLV_MODELS, "--exclude-resource-type", "unit_test", "--vars", variables
    )
    return sample


def test_large_sample_fit_recovers_the_planted_parameters(orders_only: OrdersOnly) -> None:
    """Tolerance: 3 asymptotic standard errors of each estimate (inverse observed information at
    the fit; two-sided 99.7% per parameter), e.g. alpha 22.9 +- 1.5 against the planted 20. The
    generator deviates slightly from the model (whole days with the observation end on the last
    order date, purchase times shifted by up to a few hours, same-day orders merged); at this
    sample size those effects stay well inside 3 standard errors."""
    fit = fits(orders_only.query)
    x, t_x, age_t, m = summaries(orders_only.query)
    bg_fit = BgNbdParams(*(fit["bgnbd"][name] for name in BGNBD_PARAMS))
    gg_fit = GammaGammaParams(*(fit["gamma_gamma"][name] for name in GAMMA_GAMMA_PARAMS))
    bg_se = bgnbd_standard_errors(bg_fit, x, t_x, age_t)
    gg_se = gamma_gamma_standard_errors(gg_fit, x, m)
    for fitted, se, planted, names in (
        (bg_fit, bg_se, PLANTED.bgnbd, BGNBD_PARAMS),
        (gg_fit, gg_se, PLANTED.gamma_gamma, GAMMA_GAMMA_PARAMS),
    ):
        for name in names:
            estimate, error, truth = (
                getattr(fitted, name),
                getattr(se, name),
                getattr(planted, name),
            )
            assert abs(estimate - truth) <= 3 * error, (name, estimate, error, truth)
    assert fit["bgnbd"]["converged"] and fit["gamma_gamma"]["converged"]
    assert fit["bgnbd"]["n_customers"] > 2000 and fit["gamma_gamma"]["n_customers"] > 1000


def test_large_sample_holdout_matches_an_independent_count(orders_only: OrdersOnly) -> None:
    fit = fits(orders_only.query)
    observation_end = orders_only.query("select max(order_date) from marts.fct_orders")[0][0]
    orders = orders_only.query(
        "select customer_key, order_date, gross_revenue_reporting from marts.fct_orders "
        "where not is_cancelled"
    )
    reference = summarise_transactions(
        np.array([row[0] for row in orders]),
        np.array([row[1] for row in orders], dtype="datetime64[D]"),
        np.array([float(row[2]) for row in orders]),
        observation_end=observation_end,
        calibration_end=observation_end - timedelta(days=HOLDOUT_DAYS),
    )
    bgnbd = fit["bgnbd"]
    assert bgnbd["holdout_days"] == HOLDOUT_DAYS
    assert bgnbd["holdout_customers"] == len(reference)
    assert bgnbd["holdout_actual"] == reference.x_holdout.sum()
    # The calibration fit predicts the holdout's repeat purchases within 15% in total.
    assert bgnbd["holdout_predicted"] == pytest.approx(bgnbd["holdout_actual"], rel=0.15)
    assert 0 < bgnbd["holdout_mae"] < 1
    value = fit["gamma_gamma"]
    assert value["holdout_customers"] == int((reference.x_holdout > 0).sum())
    assert value["holdout_predicted"] == pytest.approx(value["holdout_actual"], rel=0.15)


def test_fit_history_is_kept_across_runs_and_rebuilt_by_full_refresh(
    orders_only: OrdersOnly,
) -> None:
    con = marts_db.connect(orders_only.warehouse)
    try:  # an earlier night's rows
        con.execute(
            f"insert into {FIT} by name select * replace ("
            "fit_date - 1 as fit_date, clv_model_fit_key || '-earlier' as clv_model_fit_key) "
            f"from {FIT}"
        )
    finally:
        con.close()
    orders_only.dbt("run", "--select", "mart_clv_model_fit")  # the same night again
    rows = orders_only.query(f"select fit_date, count(*) from {FIT} group by 1 order by 1")
    assert [count for _, count in rows] == [2, 2]
    orders_only.dbt("run", "--select", "mart_clv_model_fit", "--full-refresh")
    assert orders_only.query(f"select count(distinct fit_date), count(*) from {FIT}") == [(1, 2)]
