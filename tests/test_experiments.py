"""Experiments (issue 11): the A/B test statistics on hand-worked examples, and marts.mart_experiments
on the generated sample against the planted experiment (truths.py item 5) and independent counts.

Statistics are checked against values computed by hand (in the docstrings) and cross-checked with
independent scipy routines (chi2_contingency, ttest_ind, chisquare, relative_risk) that work from
the raw table or values, not from the aggregates our code uses.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest
from conftest import Built
from scipy import stats
from scipy.stats.contingency import relative_risk

from orchestration.experiments import (
    compare_variants,
    expected_shares,
    sample_ratio_test,
    two_proportion_test,
    welch_t_test,
)
from orchestration.generator import generate, planted_truths

Z975 = 1.959963984540054  # standard normal 97.5% quantile


# ----------------------------------------------------------------------------- hand-worked


def test_two_proportion_z_test_and_interval_on_a_2x2_table_worked_by_hand() -> None:
    """Control 100 of 1000 convert, treatment 130 of 1000.

    p_c = 0.100, p_t = 0.130, difference = +0.030 (relative +30%).
    Interval, unpooled SE = sqrt(0.1 x 0.9 / 1000 + 0.13 x 0.87 / 1000)
                          = sqrt(0.0000900 + 0.0001131) = sqrt(0.0002031) = 0.0142513;
        95% CI = 0.030 +- 1.959964 x 0.0142513 = 0.030 +- 0.0279321 = [0.0020679, 0.0579321].
    Test, pooled p = 230 / 2000 = 0.115,
        SE0 = sqrt(0.115 x 0.885 x (1/1000 + 1/1000)) = sqrt(0.00020355) = 0.0142671;
        z = 0.030 / 0.0142671 = 2.10274; p = 2 (1 - Phi(2.10274)) = 0.035488.
    Relative, log risk ratio: log(1.3) = 0.262364, SE = sqrt(1/130 - 1/1000 + 1/100 - 1/1000)
        = sqrt(0.0156923) = 0.125269; exp(0.262364 -+ 1.959964 x 0.125269) - 1 = [0.016984, 0.661776].
    """
    result = two_proportion_test(100, 1000, 130, 1000)
    assert result is not None
    assert result.control_rate == pytest.approx(0.100)
    assert result.treatment_rate == pytest.approx(0.130)
    assert result.difference == pytest.approx(0.030)
    assert result.standard_error == pytest.approx(0.0142513, abs=1e-7)
    assert result.ci_low == pytest.approx(0.0020679, abs=1e-7)
    assert result.ci_high == pytest.approx(0.0579321, abs=1e-7)
    assert result.pooled_rate == pytest.approx(0.115)
    assert result.pooled_standard_error == pytest.approx(0.0142671, abs=1e-7)
    assert result.z == pytest.approx(2.10274, abs=1e-5)
    assert result.p_value == pytest.approx(0.035488, abs=1e-6)
    assert result.relative_difference == pytest.approx(0.30)
    assert result.relative_ci_low == pytest.approx(0.016984, abs=1e-6)
    assert result.relative_ci_high == pytest.approx(0.661776, abs=1e-6)

    # Cross-checks: the pooled z-test is Pearson's chi-square of the 2x2 table (z^2 = chi2, same p);
    # the relative interval is scipy's relative_risk interval (Katz log method).
    chi2, p, df, _ = stats.chi2_contingency([[130, 870], [100, 900]], correction=False)
    assert df == 1 and result.z**2 == pytest.approx(chi2) and result.p_value == pytest.approx(p)
    rr = relative_risk(130, 1000, 100, 1000).confidence_interval(0.95)
    assert result.relative_ci_low == pytest.approx(rr.low - 1)
    assert result.relative_ci_high == pytest.approx(rr.high - 1)


def test_welch_t_test_on_a_tiny_example_worked_by_hand() -> None:
    """Control {1, 2, 3}: n 3, sum 6, sum of squares 14, mean 2, variance (14 - 3 x 4) / 2 = 1.
    Treatment {2, 4, 6, 8}: n 4, sum 20, sum of squares 120, mean 5, variance (120 - 100) / 3 = 20/3.

    difference = 3; SE^2 = 1/3 + (20/3)/4 = 1/3 + 5/3 = 2, SE = sqrt(2) = 1.414214; t = 3 / sqrt 2 =
    2.121320; df = 2^2 / ((1/3)^2 / 2 + (5/3)^2 / 3) = 4 / (1/18 + 25/27) = 4 / (53/54) = 216/53 =
    4.075472; p = 2 P(T_4.0755 > 2.1213) = 0.099913; 95% CI = 3 +- t_{0.975, 4.0755} x sqrt 2 =
    [-0.897975, 6.897975].
    """
    result = welch_t_test((3, 6.0, 14.0), (4, 20.0, 120.0))
    assert result is not None
    assert result.control_mean == 2.0 and result.treatment_mean == 5.0
    assert result.difference == pytest.approx(3.0)
    assert result.standard_error == pytest.approx(math.sqrt(2))
    assert result.t == pytest.approx(2.121320, abs=1e-6)
    assert result.df == pytest.approx(216 / 53)
    assert result.p_value == pytest.approx(0.099913, abs=1e-6)
    assert result.ci_low == pytest.approx(-0.897975, abs=1e-6)
    assert result.ci_high == pytest.approx(6.897975, abs=1e-6)
    # scipy from the raw values
    reference = stats.ttest_ind([2, 4, 6, 8], [1, 2, 3], equal_var=False)
    assert result.t == pytest.approx(reference.statistic)
    assert result.df == pytest.approx(reference.df)
    assert result.p_value == pytest.approx(reference.pvalue)
    interval = reference.confidence_interval(0.95)
    assert (result.ci_low, result.ci_high) == pytest.approx((interval.low, interval.high))
    # undefined cases
    assert welch_t_test((1, 5.0, 25.0), (4, 20.0, 120.0)) is None
    constant = welch_t_test((3, 0.0, 0.0), (4, 0.0, 0.0))
    assert constant is not None and constant.t is None and constant.p_value is None


def test_sample_ratio_mismatch_chi_square_worked_by_hand() -> None:
    """5,100 vs 4,900 users planned 50/50: expected 5,000 each, chi2 = 100^2/5000 x 2 = 4.0,
    1 df; chi2_1 = Z^2, so p = 2 (1 - Phi(2)) = 0.0455003: no mismatch at alpha 0.001, one at 0.05.
    Three variants planned 50/25/25 with 500, 260, 240 users: expected 500, 250, 250, chi2 =
    0 + 100/250 + 100/250 = 0.8, 2 df, p = exp(-0.8 / 2) = 0.670320."""
    two = sample_ratio_test([5100, 4900], [0.5, 0.5])
    assert two is not None
    assert two.chi_square == pytest.approx(4.0) and two.df == 1
    assert two.p_value == pytest.approx(0.0455003, abs=1e-7)
    assert two.p_value == pytest.approx(stats.chisquare([5100, 4900]).pvalue)
    three = sample_ratio_test([500, 260, 240], [2, 1, 1])  # shares are normalised
    assert three is not None
    assert three.expected == pytest.approx((500, 250, 250))
    assert three.chi_square == pytest.approx(0.8) and three.df == 2
    assert three.p_value == pytest.approx(math.exp(-0.4))
    assert three.p_value == pytest.approx(stats.chisquare([500, 260, 240], [500, 250, 250]).pvalue)
    unplanned = sample_ratio_test([100, 100, 1], [0.5, 0.5, 0.0])
    assert unplanned is not None and unplanned.p_value == 0.0
    assert sample_ratio_test([100], [1.0]) is None


def test_compare_variants_builds_the_mart_rows_of_the_2x2_table() -> None:
    """The 2x2 table above as per-variant aggregates, with revenue per user: control 1000 users,
    revenue 5,000 (mean 5), sum of squares 250,000; treatment 1000 users, 5,200, 260,000. Planned
    split {control: 0.5, treatment: 0.5}; 1000 vs 1000 users: chi2 = 0, p = 1."""
    rows = [
        {
            "experiment_id": "e",
            "variant": "control",
            "users": 1000,
            "conversions": 100,
            "orders": 120,
            "net_revenue": 5000.0,
            "net_revenue_squares": 250000.0,
            "first_exposed_at": None,
            "last_exposed_at": None,
            "excluded_users": 3,
        },
        {
            "experiment_id": "e",
            "variant": "treatment",
            "users": 1000,
            "conversions": 130,
            "orders": 125,
            "net_revenue": 5200.0,
            "net_revenue_squares": 260000.0,
            "first_exposed_at": None,
            "last_exposed_at": None,
            "excluded_users": 3,
        },
    ]
    control, treatment = compare_variants(rows, "control", {"control": 0.5, "treatment": 0.5})
    assert control["is_control"] and control["conversion_rate_difference"] is None
    assert control["conversion_rate"] == pytest.approx(0.1)
    assert not treatment["is_control"]
    assert treatment["conversion_rate_difference"] == pytest.approx(0.03)
    assert treatment["conversion_rate_difference_ci_low"] == pytest.approx(0.0020679, abs=1e-7)
    assert treatment["conversion_p_value"] == pytest.approx(0.035488, abs=1e-6)
    # revenue: means 5.0 and 5.2; variances (250000 - 1000 x 25) / 999 = 225.225 and
    # (260000 - 1000 x 27.04) / 999 = 233.193; SE = sqrt(0.225225 + 0.233193) = 0.677066
    assert treatment["revenue_per_user"] == pytest.approx(5.2)
    assert treatment["revenue_per_user_difference"] == pytest.approx(0.2)
    half = treatment["revenue_per_user_difference_ci_high"] - 0.2
    assert half == pytest.approx(stats.t.ppf(0.975, treatment["revenue_welch_df"]) * 0.677066, 1e-5)
    assert control["revenue_per_user_stddev"] == pytest.approx(math.sqrt(225000 / 999))
    for row in (control, treatment):
        assert row["srm_chi_square"] == 0.0 and row["srm_p_value"] == pytest.approx(1.0)
        assert row["has_sample_ratio_mismatch"] is False
        assert row["expected_share"] == 0.5 and row["observed_share"] == 0.5
        assert row["excluded_users"] == 3
    # no control variant: no differences
    assert all(r["conversion_rate_difference"] is None for r in compare_variants(rows, "A"))


def test_expected_split_forms() -> None:
    assert expected_shares(None, "e", ["a", "b"]) == {"a": 1.0, "b": 1.0}
    assert expected_shares({"a": 0.9, "b": 0.1}, "e", ["a", "b"]) == {"a": 0.9, "b": 0.1}
    per_experiment = {"e": {"a": 0.2, "b": 0.8}, "f": {"a": 0.5, "b": 0.5}}
    assert expected_shares(per_experiment, "e", ["a", "b"]) == {"a": 0.2, "b": 0.8}
    assert expected_shares(per_experiment, "g", ["a", "b"]) == {"a": 1.0, "b": 1.0}
    # a planned variant without users counts with 0 users; an unplanned one has share 0
    assert expected_shares({"a": 0.5, "b": 0.5}, "e", ["a", "c"]) == {"a": 0.5, "b": 0.5, "c": 0.0}


def test_interval_coverage_and_test_size_by_simulation() -> None:
    """The planted design (0.10 vs 0.13) with 2,000 users per arm, 2,000 simulated experiments: the
    95% interval covers the true lift in 95% of them and the test rejects a true null (0.10 vs 0.10)
    in 5%; binomial tolerance 4 x sqrt(0.95 x 0.05 / 2000) = 0.0195."""
    rng = np.random.default_rng(11)
    n, runs = 2000, 2000
    truth = planted_truths().experiment
    tolerance = 4 * math.sqrt(0.95 * 0.05 / runs)
    x_c = rng.binomial(n, truth.control_rate, runs)
    x_t = rng.binomial(n, truth.treatment_rate, runs)
    x_0 = rng.binomial(n, truth.control_rate, runs)
    covered = rejected = 0
    for c, t, null in zip(x_c.tolist(), x_t.tolist(), x_0.tolist(), strict=True):
        result = two_proportion_test(c, n, t, n)
        assert result is not None
        covered += result.ci_low <= truth.lift <= result.ci_high
        same = two_proportion_test(c, n, null, n)
        assert same is not None and same.p_value is not None
        rejected += same.p_value < 0.05
    assert abs(covered / runs - 0.95) < tolerance
    assert abs(rejected / runs - 0.05) < tolerance


# ----------------------------------------------------------------------------- generator


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_planting_the_experiment_changes_nothing_else(tmp_path: Path) -> None:
    """The same seed with and without the experiment: every non-GA4 file is byte-identical (plus the
    experiment's truth file); in GA4, dropping the select_promotion rows and the two experiment
    params (always the last two) of the tagged rows gives the other export back, line for line."""
    with_it, without = tmp_path / "with", tmp_path / "without"
    generate(with_it, customers=300, days=10, seed=5)
    generate(without, customers=300, days=10, seed=5, plant_experiment=False)
    a, b = _hashes(with_it), _hashes(without)
    assert set(a) - set(b) == {"_truth/experiment_users.parquet"} and not set(b) - set(a)
    ga4 = {name for name in b if name.endswith(".json.gz")}
    assert ga4 and all(a[name] == b[name] for name in set(b) - ga4)
    experiment = planted_truths().experiment
    clicks = tagged = 0
    for name in sorted(ga4):
        kept = []
        for line in gzip.decompress((with_it / name).read_bytes()).decode().splitlines():
            record = json.loads(line)
            if record["event_name"] == experiment.conversion_event:
                clicks += 1
                continue
            keys = [p["key"] for p in record["event_params"]]
            if "experiment_id" in keys:
                tagged += 1
                assert keys[-2:] == ["experiment_id", "experiment_variant"]
                record["event_params"] = record["event_params"][:-2]
            kept.append(record)
        lines = gzip.decompress((without / name).read_bytes()).decode().splitlines()
        assert kept == [json.loads(line) for line in lines], name
    assert clicks > 0 and tagged > clicks


# ----------------------------------------------------------------------------- the mart


def _mart(built: Built) -> dict[str, dict]:
    rows = built.query("select * from marts.mart_experiments order by variant")
    names = [
        r[0]
        for r in built.query(
            "select column_name from duckdb_columns() where schema_name = 'marts' "
            "and table_name = 'mart_experiments' order by column_index"
        )
    ]
    return {row[names.index("variant")]: dict(zip(names, row, strict=True)) for row in rows}


def test_mart_recovers_the_planted_experiment(built: Built) -> None:
    truth = planted_truths().experiment
    mart = _mart(built)
    assert set(mart) == {truth.control, truth.treatment}
    control, treatment = mart[truth.control], mart[truth.treatment]
    assert control["experiment_id"] == treatment["experiment_id"] == truth.experiment_id
    assert control["is_control"] and not treatment["is_control"]
    assert control["excluded_users"] == 0  # a device keeps its variant
    # the planted absolute lift (+0.03) and relative lift (+30%) lie inside the 95% intervals
    low, high = (
        treatment["conversion_rate_difference_ci_low"],
        treatment["conversion_rate_difference_ci_high"],
    )
    assert low <= truth.lift <= high
    assert (
        treatment["conversion_rate_relative_ci_low"]
        <= truth.relative_lift
        <= treatment["conversion_rate_relative_ci_high"]
    )
    # each rate is within 4 binomial standard errors of its planted value
    for row, rate in ((control, truth.control_rate), (treatment, truth.treatment_rate)):
        assert abs(row["conversion_rate"] - rate) < 4 * math.sqrt(rate * (1 - rate) / row["users"])
    # no planted revenue effect: the Welch interval covers 0
    assert (
        treatment["revenue_per_user_difference_ci_low"]
        <= truth.revenue_per_user_difference
        <= treatment["revenue_per_user_difference_ci_high"]
    )
    # the planted split is 50/50: no sample-ratio mismatch
    assert control["expected_share"] == treatment["expected_share"] == 0.5
    assert not treatment["has_sample_ratio_mismatch"] and treatment["srm_p_value"] > 0.001


def test_users_and_conversions_match_raw_ga4_and_the_planted_truth(built: Built) -> None:
    """Users per variant = distinct consented user_pseudo_id of raw GA4 rows carrying the variant
    param; conversions = those users with a select_promotion at or after their first such row; both
    also equal the generator's truth (consented exposed devices)."""
    truth = planted_truths().experiment
    mart = _mart(built)
    raw = built.query(
        f"""
        with events as (
            select
                user_pseudo_id,
                event_name,
                event_timestamp,
                list_filter(event_params, lambda p: p.key = 'experiment_variant')[1].value.string_value
                    as variant
            from raw.ga4_events
            where coalesce(privacy_info.analytics_storage, 'Yes') <> 'No'
        ),
        exposed as (
            select user_pseudo_id, min(variant) as variant, min(event_timestamp) as first_at
            from events where variant is not null group by user_pseudo_id
        )
        select
            exposed.variant,
            count(distinct exposed.user_pseudo_id),
            count(distinct case when events.event_name = '{truth.conversion_event}'
                and events.event_timestamp >= exposed.first_at then exposed.user_pseudo_id end)
        from exposed
        left join events on events.user_pseudo_id = exposed.user_pseudo_id
        group by exposed.variant
        """
    )
    planted = built.query(
        f"""
        select variant, count(*), count(case when converted then 1 end)
        from read_parquet('{built.truth / "experiment_users.parquet"}')
        where analytics_consent
        group by variant
        """
    )
    expected = {variant: (users, conversions) for variant, users, conversions in raw}
    assert expected == {v: (u, c) for v, u, c in planted}
    assert {v: (row["users"], row["conversions"]) for v, row in mart.items()} == expected


def test_revenue_per_user_matches_orders_bought_on_the_exposed_devices(built: Built) -> None:
    """Net revenue per variant = the non-cancelled fct_orders whose GA4 purchase event (raw, by
    transaction_id) was sent by a consented exposed device at or after its first exposure."""
    rows = built.query(
        """
        with exposed as (
            select user_pseudo_id, variant, min(first_exposed_at) as first_exposed_at
            from read_parquet(?) where analytics_consent group by all
        ),
        purchases as (
            select distinct user_pseudo_id, ecommerce.transaction_id as transaction_id,
                make_timestamp(event_timestamp) as purchased_at
            from raw.ga4_events where event_name = 'purchase'
        )
        select exposed.variant, count(orders.order_key), sum(orders.net_revenue_reporting)
        from exposed
        join purchases on purchases.user_pseudo_id = exposed.user_pseudo_id
            and purchases.purchased_at >= exposed.first_exposed_at
        join marts.fct_orders as orders
            on orders.order_id = purchases.transaction_id and not orders.is_cancelled
        group by exposed.variant
        """,
        [str(built.truth / "experiment_users.parquet")],
    )
    mart = _mart(built)
    assert rows and {v: (n, float(s)) for v, n, s in rows} == {
        v: (row["orders"], float(row["net_revenue"])) for v, row in mart.items()
    }
