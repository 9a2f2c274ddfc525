"""Retention and CLV marts (SPEC 8, 9) against independent computations.

Cohorts, customer value and the CLV summaries are recomputed in plain Python from the rows of
marts.fct_orders, and the per-customer facts are checked against the generator's truth files
(_truth/orders.parquet) wherever the identity graph maps a generated person to exactly one customer.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import Built

from orchestration.config import PROJECT_DIR

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


def test_clv_summaries_match_a_recomputation_from_fct_orders(built: Built) -> None:
    end = data_end(built)
    days: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for customer, _, day, net in orders_of(built):
        days[customer][day] += net  # same-day purchases merged
    rows = built.query(f"select customer_key, x, t_x, age_t, m from {SUMMARIES}")
    assert len(rows) == len(days)
    for customer, x, t_x, age_t, m in rows:
        values = [days[customer][d] for d in sorted(days[customer])]
        first, last = min(days[customer]), max(days[customer])
        assert (x, t_x, age_t) == (len(values) - 1, (last - first).days, (end - first).days)
        if x == 0:
            assert m is None
        else:
            assert m == pytest.approx(float(sum(values[1:])) / x)


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
