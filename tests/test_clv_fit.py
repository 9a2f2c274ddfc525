"""BG/NBD and Gamma-Gamma (orchestration.clv) against published results and hand calculations.

Published reference (SPEC 9): Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way",
Marketing Science 24(2), on the CDNOW 1/10 sample (tests/fixtures/cdnow): BG/NBD r = 0.243,
alpha = 4.414, a = 0.793, b = 2.426, log-likelihood -9582.4; the customer with x = 2, t_x = 30.43,
T = 38.86 (weeks) expects 1.226 purchases in the next 39 weeks. Gamma-Gamma on the 946 repeat
buyers (Fader & Hardie 2013 note; lifetimes' documented fit): p = 6.25, q = 3.74, gamma = 15.44,
log-likelihood -4055.9.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from scipy.special import hyp2f1

from orchestration import cli
from orchestration.clv import (
    DAYS_PER_MONTH,
    BgNbdParams,
    GammaGammaParams,
    TransactionFileError,
    bgnbd_standard_errors,
    customer_lifetime_value,
    expected_order_value,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_standard_errors,
    probability_alive,
    read_transactions,
    simulate_bgnbd,
    simulate_gamma_gamma,
    summarise_transactions,
)
from orchestration.clv.hypergeometric import alive_mean_closed_form, alive_mean_quadrature

CDNOW = Path(__file__).parent / "fixtures" / "cdnow" / "CDNOW_sample.txt"
CALIBRATION_END = date(1997, 9, 30)


@pytest.fixture(scope="module")
def cdnow():
    """SPEC rules: same-day purchases merged, calibration (= observation) ends 1997-09-30, weeks."""
    ids, dates, amounts = read_transactions(CDNOW)
    return summarise_transactions(
        ids, dates, amounts, CALIBRATION_END, calibration_end=CALIBRATION_END, time_unit_days=7
    )


@pytest.fixture(scope="module")
def cdnow_bgnbd(cdnow):
    return fit_bgnbd(cdnow.x, cdnow.t_x, cdnow.T)


# --- CDNOW: published results -------------------------------------------------------------------


def test_cdnow_file_and_summaries_match_an_independent_count(cdnow):
    """2,357 customers (published); x totals checked against a plain count of distinct days."""
    days_by_customer: dict[str, set[str]] = {}
    with CDNOW.open() as handle:
        for line in handle:
            master_id, _, day, _, _ = line.split()
            if day <= "19970930":
                days_by_customer.setdefault(master_id, set()).add(day)
    assert len(cdnow) == 2357 == len(days_by_customer)
    assert int(cdnow.x.sum()) == sum(len(days) - 1 for days in days_by_customer.values())
    assert int((cdnow.x > 0).sum()) == 946
    # Everyone first bought in Q1 1997, so T lies between (1997-09-30 - 1997-03-31) / 7 = 26.14
    # and (1997-09-30 - 1997-01-01) / 7 = 272 / 7 = 38.857 weeks (the published 38.86).
    assert cdnow.T.max() == pytest.approx(272 / 7)
    assert cdnow.T.min() >= (date(1997, 9, 30) - date(1997, 3, 31)).days / 7


def test_cdnow_bgnbd_reproduces_published_parameters(cdnow_bgnbd):
    fit = cdnow_bgnbd
    assert fit.converged
    assert fit.n_customers == 2357
    assert round(fit.params.r, 3) == 0.243
    assert round(fit.params.alpha, 3) == 4.414
    assert round(fit.params.a, 3) == 0.793
    assert round(fit.params.b, 3) == 2.426
    assert round(fit.log_likelihood, 1) == -9582.4
    assert fit.seconds > 0


def test_cdnow_conditional_expectation_of_published_customer(cdnow_bgnbd):
    """x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in the next 39 weeks (FHL 2005)."""
    fitted = expected_purchases(cdnow_bgnbd.params, 39, [2], [30.43], [38.86])
    published = expected_purchases(BgNbdParams(0.243, 4.414, 0.793, 2.426), 39, 2, 30.43, 38.86)
    assert round(float(fitted[0]), 3) == 1.226
    assert round(float(published[0]), 3) == 1.226


def test_cdnow_gamma_gamma_reproduces_published_parameters(cdnow):
    """Gamma-Gamma on the 946 repeat buyers: p 6.25, q 3.74, gamma 15.44, log-likelihood -4055.9.

    m is the mean value of the REPEAT purchase days of the calibration period (the first purchase
    excluded, same-day purchases merged): that reproduces the published estimates. The
    log-likelihood convention is the density of the observed mean m (lifetimes' convention, whose
    documented fit is the published -4055.9); the density of the total x m would differ by
    sum(log x), the same estimates.
    """
    fit = fit_gamma_gamma(cdnow.x, cdnow.m)
    assert fit.converged
    assert fit.n_customers == 946
    assert round(fit.params.p, 2) == 6.25
    assert round(fit.params.q, 2) == 3.74
    assert round(fit.params.gamma, 2) == 15.44
    assert round(fit.log_likelihood, 1) == -4055.9


def test_cdnow_gamma_gamma_with_first_purchase_included_does_not_match(cdnow):
    """The other reading of m (mean over all purchase days, first one included) is not it."""
    ids, dates, amounts = read_transactions(CDNOW)
    calibration = dates <= np.datetime64(CALIBRATION_END)
    totals: dict[str, float] = {}
    for customer, amount in zip(ids[calibration], amounts[calibration], strict=True):
        totals[customer] = totals.get(customer, 0.0) + amount
    total = np.array([totals[customer] for customer in cdnow.customer_id])
    fit = fit_gamma_gamma(cdnow.x, total / (cdnow.x + 1))
    assert round(fit.params.p, 2) != 6.25


def test_cdnow_fit_on_aggregated_rows_with_weights_is_the_same(cdnow, cdnow_bgnbd):
    rows, counts = np.unique(
        np.column_stack([cdnow.x, cdnow.t_x, cdnow.T]), axis=0, return_counts=True
    )
    assert len(rows) < len(cdnow)
    fit = fit_bgnbd(rows[:, 0], rows[:, 1], rows[:, 2], weights=counts)
    assert fit.n_customers == 2357
    assert fit.log_likelihood == pytest.approx(cdnow_bgnbd.log_likelihood, abs=1e-6)
    assert fit.params.as_array() == pytest.approx(cdnow_bgnbd.params.as_array(), rel=1e-5)


def test_closed_form_and_quadrature_agree_on_cdnow_customers(cdnow, cdnow_bgnbd):
    """Eq. 10 by scipy's hyp2f1 against the fallback integral, for every CDNOW customer."""
    r, alpha, a, b = cdnow_bgnbd.params.as_array()
    x = cdnow.x.astype(float)
    for horizon in (1.0, 39.0, 52.0):
        t = np.full(len(x), horizon)
        closed = alive_mean_closed_form(r, alpha, a, b, t, x, cdnow.T)
        integral = alive_mean_quadrature(r, alpha, a, b, t, x, cdnow.T)
        assert np.all(np.isfinite(closed))
        assert integral == pytest.approx(closed, rel=1e-9)


# --- Recovery on simulated data -----------------------------------------------------------------


def test_fit_recovers_simulated_parameters():
    """20,000 customers simulated with known parameters (days; T = 365) are fitted back.

    Tolerance: each estimate within 4 asymptotic standard errors (inverse observed information) of
    the truth; for a correct, consistent estimator a deviation beyond 4 SE has probability ~6e-5
    per parameter (over seeds 0-4 the largest deviation seen was 2.8 SE). The standard errors are
    also required to be small (< 6 % of the value), so the check has teeth.
    """
    rng = np.random.default_rng(20240605)
    truth = BgNbdParams(r=0.9, alpha=20.0, a=0.8, b=2.5)
    spend = GammaGammaParams(p=6.0, q=3.8, gamma=37.0)
    x, t_x, T = simulate_bgnbd(truth, 365.0, 20_000, rng)
    m = simulate_gamma_gamma(spend, x, rng)

    fit = fit_bgnbd(x, t_x, T)
    errors = bgnbd_standard_errors(fit.params, x, t_x, T).as_array()
    assert fit.converged
    assert np.all(errors < 0.06 * truth.as_array())
    assert np.all(np.abs(fit.params.as_array() - truth.as_array()) < 4 * errors)

    value_fit = fit_gamma_gamma(x, m)
    value_errors = gamma_gamma_standard_errors(value_fit.params, x, m).as_array()
    assert value_fit.converged
    assert value_fit.n_customers == int((x > 0).sum())
    assert np.all(value_errors < 0.06 * spend.as_array())
    assert np.all(np.abs(value_fit.params.as_array() - spend.as_array()) < 4 * value_errors)


def test_simulated_expected_purchases_match_the_simulated_future():
    """E[X(T, T + t) | x, t_x, T] averaged over customers equals the simulated future purchases.

    One process over 730 days is cut at T = 365: the first year gives (x, t_x, T), the second year
    the realised purchases; with the true parameters the conditional expectations must add up to
    the realised total within 4 standard deviations of the per-customer counts' sum.
    """
    rng = np.random.default_rng(7)
    truth = BgNbdParams(r=0.9, alpha=20.0, a=0.8, b=2.5)
    n = 20_000
    rate, dropout = rng.gamma(truth.r, 1 / truth.alpha, n), rng.beta(truth.a, truth.b, n)
    before_dropout = rng.geometric(dropout)
    year_one, year_two = rng.poisson(rate * 365), rng.poisson(rate * 365)
    x = np.minimum(year_one, before_dropout)
    future = np.minimum(year_one + year_two, before_dropout) - x
    t_x = np.zeros(n)
    t_x[x > 0] = 365 * rng.beta(x[x > 0], year_one[x > 0] - x[x > 0] + 1)
    expected = expected_purchases(truth, 365.0, x, t_x, np.full(n, 365.0))
    assert abs(future.sum() - expected.sum()) < 4 * future.std() * math.sqrt(n)


# --- Hand-computable checks ---------------------------------------------------------------------


def test_summarise_hand_example():
    """A: 01-01 10 + 5 (one day, 15), 01-08 20, 01-15 30; B: 01-10 7; C: 01-20 3 + 4 (one day).

    Observed to 2024-01-31 in days: A x = 2, t_x = 14, T = 30, m = (20 + 30) / 2 = 25;
    B x = 0, t_x = 0, T = 21, m = 0; C x = 0 (same day), T = 11, m = 0.
    """
    ids = ["A", "A", "A", "A", "B", "C", "C"]
    days = [date(2024, 1, d) for d in (1, 1, 8, 15, 10, 20, 20)]
    amounts = [10.0, 5.0, 20.0, 30.0, 7.0, 3.0, 4.0]
    s = summarise_transactions(ids, days, amounts, date(2024, 1, 31))
    assert list(s.customer_id) == ["A", "B", "C"]
    assert list(s.x) == [2, 0, 0]
    assert list(s.t_x) == [14.0, 0.0, 0.0]
    assert list(s.T) == [30.0, 21.0, 11.0]
    assert list(s.m) == [25.0, 0.0, 0.0]
    assert list(s.x_holdout) == [0, 0, 0] and s.holdout_length == 0

    weeks = summarise_transactions(
        ids, np.array(days, dtype="datetime64[D]"), amounts, "2024-01-31", time_unit_days=7
    )
    assert weeks.t_x[0] == pytest.approx(2.0) and weeks.T[0] == pytest.approx(30 / 7)

    # Calibration to 01-10: A keeps 01-01 and 01-08 (x 1, t_x 7, T 9, m 20) and buys on 01-15 in
    # the holdout; B joined on 01-10 (T 0); C joined after calibration and is left out.
    c = summarise_transactions(
        ids, days, amounts, date(2024, 1, 31), calibration_end=date(2024, 1, 10)
    )
    assert list(c.customer_id) == ["A", "B"]
    assert list(c.x) == [1, 0] and list(c.t_x) == [7.0, 0.0] and list(c.T) == [9.0, 0.0]
    assert list(c.m) == [20.0, 0.0]
    assert list(c.x_holdout) == [1, 0] and c.holdout_length == 21.0


def test_summarise_rejects_calibration_after_observation():
    with pytest.raises(ValueError, match="after observation_end"):
        summarise_transactions(["A"], [date(2024, 1, 1)], [1.0], date(2024, 1, 2), date(2024, 1, 3))


def test_probability_alive_hand_values():
    """x = 0: 1. r = alpha = a = 1, b = 2, x = 1, t_x = 1, T = 3:
    1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x)) = 1 / (1 + 1/2 * 4) = 1/3."""
    params = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
    assert np.all(probability_alive(params, [0, 0, 0], [0, 0, 0], [0.0, 10.0, 38.86]) == 1.0)
    value = probability_alive(BgNbdParams(1.0, 1.0, 1.0, 2.0), [1], [1.0], [3.0])
    assert value[0] == pytest.approx(1 / 3, rel=1e-14)


def test_expected_purchases_hand_values():
    """x = 0, r = 1, p ~ Beta(a, 1), s = t / (alpha + T): E = E_p[s / (1 + p s)].

    a = 1 (uniform p): ln(1 + s). a = 2 (density 2p): 2 (1 - ln(1 + s) / s).
    a = 1 makes the 2F1 closed form 0/0, so it checks the quadrature fallback (both branches:
    s = 1 by Gauss-Jacobi, s = 1000 adaptively); a = 2 checks the hyp2f1 path.
    """
    for s in (1.0, 1000.0):
        t = s * 2.0  # alpha + T = 1 + 1
        uniform = expected_purchases(BgNbdParams(1.0, 1.0, 1.0, 1.0), t, 0, 0.0, 1.0)
        linear = expected_purchases(BgNbdParams(1.0, 1.0, 2.0, 1.0), t, 0, 0.0, 1.0)
        assert uniform[0] == pytest.approx(math.log1p(s), rel=1e-9)
        assert linear[0] == pytest.approx(2 * (1 - math.log1p(s) / s), rel=1e-9)


@pytest.mark.parametrize(
    ("case", "reference"),
    [
        ((0.55, 5.0, 13.75, 0.2, 6000.0, 240.0, 3.0), 19.83921568627451),
        ((1.6, 0.25, 1.35, 3.8, 670.0, 173.0, 1.25), 446.0744166666565),
        ((0.25, 3.5, 0.4, 1.2, 2000.0, 126.0, 2.0), 7044.6762616248196),
    ],
)
def test_expected_purchases_where_scipy_hyp2f1_overflows(case, reference):
    """References: the closed form evaluated with mpmath at 50 digits (mpmath.hyp2f1)."""
    r, alpha, a, b, t, x, T = case
    assert not np.isfinite(hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t)))
    params = BgNbdParams(r, alpha, a, b)
    value = expected_purchases(params, t, x, 0.5 * T, T) / probability_alive(params, x, 0.5 * T, T)
    assert value[0] == pytest.approx(reference, rel=1e-9)


def test_expected_purchases_increase_with_t(cdnow_bgnbd):
    t = np.array([0.0, 0.5, 1, 4, 13, 26, 39, 52, 104, 520])
    for x, t_x, T in ((0, 0.0, 38.86), (2, 30.43, 38.86), (10, 20.0, 30.0)):
        values = np.array([expected_purchases(cdnow_bgnbd.params, h, x, t_x, T)[0] for h in t])
        assert values[0] == 0.0
        assert np.all(np.diff(values) > 0)


def test_expected_order_value_hand_values():
    """p 2, q 3, gamma 4: x = 0 -> p gamma / (q - 1) = 4; x = 2, m = 10 -> (4 + 20) 2 / (4 + 2) = 8."""
    params = GammaGammaParams(2.0, 3.0, 4.0)
    assert list(expected_order_value(params, [0, 2], [0.0, 10.0])) == pytest.approx([4.0, 8.0])


def test_clv_one_month_no_discount_is_purchases_times_value(cdnow_bgnbd, cdnow):
    spend = GammaGammaParams(6.25, 3.74, 15.44)
    s = cdnow
    month = DAYS_PER_MONTH / 7
    clv = customer_lifetime_value(
        cdnow_bgnbd,
        spend,
        s.x,
        s.t_x,
        s.T,
        s.m,
        horizon_months=1,
        monthly_discount_rate=0.0,
        time_unit_days=7,
    )
    purchases = expected_purchases(cdnow_bgnbd.params, month, s.x, s.t_x, s.T)
    assert clv == pytest.approx(purchases * expected_order_value(spend, s.x, s.m), rel=1e-12)

    # Two months at 1 %: month one discounted once, month two twice.
    two = customer_lifetime_value(cdnow_bgnbd, spend, s.x, s.t_x, s.T, s.m, 2, 0.01, 7)
    by_two = expected_purchases(cdnow_bgnbd.params, 2 * month, s.x, s.t_x, s.T)
    hand = expected_order_value(spend, s.x, s.m) * (
        purchases / 1.01 + (by_two - purchases) / 1.01**2
    )
    assert two == pytest.approx(hand, rel=1e-12)


# --- Transaction files ----------------------------------------------------------------------------


def test_read_transactions_csv_and_cdnow_layouts(tmp_path):
    csv_file = tmp_path / "orders.csv"
    csv_file.write_text(
        "date,customer_id,amount,extra\n2024-01-02,c1,10.5,x\n\n2024-01-03,c2,0,y\n"
    )
    ids, dates, amounts = read_transactions(csv_file)
    assert list(ids) == ["c1", "c2"]
    assert list(dates) == [np.datetime64("2024-01-02"), np.datetime64("2024-01-03")]
    assert list(amounts) == [10.5, 0.0]

    master = tmp_path / "master.txt"
    master.write_text(
        " customer_id  date number_of_cds  dollar_value\n 00001 19970101  1   11.77\r\n"
    )
    ids, dates, amounts = read_transactions(master)
    assert (
        list(ids) == ["00001"] and dates[0] == np.datetime64("1997-01-01") and amounts[0] == 11.77
    )

    ids, dates, amounts = read_transactions(CDNOW)
    assert len(ids) == 6919 and ids[0] == "00004" and amounts[0] == 29.33


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("customer_id,date,amount\nc1,2024-01-02,1\nc2,2024-02-30,1\n", 3, "date"),
        ("customer_id,date,amount\nc1,20240102,1\n", 2, "date"),
        ("customer_id,date,amount\nc1,2024-01-02,abc\n", 2, "amount"),
        ("customer_id,date,amount\nc1,2024-01-02,-5\n", 2, "amount"),
        ("customer_id,date,amount\nc1,2024-01-02\n", 2, None),
        (" 00001 0001 19970101 1 11.77\n 00002 0002 1997013 1 1.0\n", 2, "date"),
        (" 00001 19970101 1 11.77\n 00002 19970101 one 1.0\n", 2, "number_of_cds"),
        (" 00001 19970101 1 11.77\n 00002 19970101 1\n", 2, None),
    ],
)
def test_read_transactions_names_file_line_and_column(tmp_path, text, line, column):
    bad = tmp_path / "bad.txt"
    bad.write_text(text)
    with pytest.raises(TransactionFileError) as caught:
        read_transactions(bad)
    assert caught.value.line == line and caught.value.column == column
    assert str(bad) in str(caught.value) and f"line {line}" in str(caught.value)


def test_read_transactions_rejects_missing_header_column(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("customer,date,amount\nc1,2024-01-02,1\n")
    with pytest.raises(TransactionFileError, match="lacks column"):
        read_transactions(bad)


# --- CLI -----------------------------------------------------------------------------------------


def test_cli_clv_json_on_cdnow():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(
            [
                "clv",
                "--transactions",
                str(CDNOW),
                "--calibration-end",
                "1997-09-30",
                "--time-unit",
                "weeks",
                "--json",
            ]
        )
    assert code == 0
    report = json.loads(out.getvalue())
    assert report["customers"] == 2357 and report["transactions"] == 6919
    bgnbd, spend = report["bgnbd"], report["gamma_gamma"]
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert {name: round(bgnbd[name], 3) for name in published} == published
    assert round(bgnbd["log_likelihood"], 1) == -9582.4 and bgnbd["n_customers"] == 2357
    assert {name: round(spend[name], 2) for name in ("p", "q", "gamma")} == {
        "p": 6.25,
        "q": 3.74,
        "gamma": 15.44,
    }
    assert spend["n_customers"] == 946 and bgnbd["converged"] and spend["converged"]
    assert bgnbd["seconds"] > 0 and report["holdout"] is None


def test_cli_clv_text_with_holdout_and_bad_file(tmp_path, capsys):
    args = ["clv", "--transactions", str(CDNOW), "--calibration-end", "1997-09-30"]
    assert cli.main([*args, "--observation-end", "1998-06-30", "--time-unit", "weeks"]) == 0
    printed = capsys.readouterr().out
    assert "r 0.2426" in printed and "customers 946" in printed
    # Holdout: distinct purchase days 1997-10-01..1998-06-30 of calibration customers, counted by hand.
    with CDNOW.open() as handle:
        holdout_days = {
            (line.split()[0], line.split()[2]) for line in handle if line.split()[2] > "19970930"
        }
    assert f"holdout (39.00 weeks): {len(holdout_days):,} repeat purchases" in printed

    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,date,amount\nc1,2024-13-01,1\n")
    assert cli.main(["clv", "--transactions", str(bad)]) == 2
    assert "line 2, column 'date'" in capsys.readouterr().err


# --- Gradients and edge cases ----------------------------------------------------------------------


def _central_difference(function, params, step=1e-6):
    return np.array(
        [
            (function(params + step * unit) - function(params - step * unit)) / (2 * step)
            for unit in np.eye(len(params))
        ]
    )


def test_bgnbd_gradient_matches_finite_differences(cdnow):
    from orchestration.clv.bgnbd_likelihood import BgNbdData, log_likelihood_and_gradient
    from orchestration.clv.bgnbd_likelihood import bgnbd_log_likelihood as per_customer

    x, t_x, T = cdnow.x.astype(float), cdnow.t_x, cdnow.T
    data = BgNbdData.prepare(x, t_x, T, np.ones(len(x)))
    for params in (np.array([0.243, 4.414, 0.793, 2.426]), np.array([1.5, 10.0, 2.0, 0.6])):
        value, gradient = log_likelihood_and_gradient(params, data)

        def total(p):
            return per_customer(BgNbdParams(*p), x, t_x, T).sum()

        assert value == pytest.approx(total(params), rel=1e-12)
        assert gradient == pytest.approx(_central_difference(total, params), rel=1e-5, abs=1e-4)


def test_gamma_gamma_gradient_matches_finite_differences(cdnow):
    from orchestration.clv.gamma_gamma import (
        gamma_gamma_log_likelihood,
        log_likelihood_and_gradient,
    )

    repeat = cdnow.x > 0
    x, m = cdnow.x[repeat].astype(float), cdnow.m[repeat]
    x_values, index = np.unique(x, return_inverse=True)
    for params in (np.array([6.25, 3.74, 15.44]), np.array([1.0, 2.0, 40.0])):
        value, gradient = log_likelihood_and_gradient(params, x, m, x_values, index)

        def total(p):
            return gamma_gamma_log_likelihood(GammaGammaParams(*p), x, m).sum()

        assert value == pytest.approx(total(params), rel=1e-12)
        assert gradient == pytest.approx(_central_difference(total, params), rel=1e-5, abs=1e-4)


def test_gamma_gamma_leaves_out_zero_value_repeat_buyers_and_counts_them(cdnow):
    """A repeat buyer whose repeat purchases were all free (m = 0) cannot be Gamma: left out."""
    x = np.concatenate([cdnow.x, [3]])
    m = np.concatenate([cdnow.m, [0.0]])
    fit = fit_gamma_gamma(x, m)
    assert fit.n_customers == 946 and fit.n_excluded == 1
    assert round(fit.params.p, 2) == 6.25
