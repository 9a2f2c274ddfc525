"""Transactions -> summaries -> both fits -> CLV and a fit report (what `journey clv` prints).

observation_end defaults to calibration_end when that is given (no holdout), else to the last
transaction date. With observation_end after calibration_end, the report compares the repeat
purchases each customer made in the holdout with the BG/NBD conditional expectation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from orchestration.clv.bgnbd import fit_bgnbd
from orchestration.clv.gamma_gamma import fit_gamma_gamma
from orchestration.clv.params import BgNbdFit, GammaGammaFit
from orchestration.clv.predict import expected_purchases
from orchestration.clv.summaries import CustomerSummaries, DateLike, summarise_transactions
from orchestration.clv.value import customer_lifetime_value

TIME_UNITS = {"days": 1.0, "weeks": 7.0}


@dataclass(frozen=True, slots=True)
class HoldoutCheck:
    """Repeat purchases in (calibration_end, observation_end]: actual against BG/NBD expected."""

    length: float
    actual_total: int
    expected_total: float
    mean_absolute_error: float
    root_mean_squared_error: float


@dataclass(frozen=True, slots=True, eq=False)
class ClvReport:
    """Everything one CLV run produced."""

    transactions: int
    calibration_end: date
    observation_end: date
    time_unit: str
    summaries: CustomerSummaries
    bgnbd: BgNbdFit
    gamma_gamma: GammaGammaFit
    horizon_months: int
    monthly_discount_rate: float
    clv: np.ndarray
    holdout: HoldoutCheck | None


def _holdout(summaries: CustomerSummaries, bgnbd: BgNbdFit) -> HoldoutCheck | None:
    if summaries.holdout_length <= 0 or summaries.x_holdout is None:
        return None
    s = summaries
    expected = expected_purchases(bgnbd.params, s.holdout_length, s.x, s.t_x, s.T)
    error = s.x_holdout - expected
    return HoldoutCheck(
        length=s.holdout_length,
        actual_total=int(s.x_holdout.sum()),
        expected_total=float(expected.sum()),
        mean_absolute_error=float(np.abs(error).mean()),
        root_mean_squared_error=float(np.sqrt(np.mean(error**2))),
    )


def clv_report(
    customer_ids: np.ndarray,
    dates: np.ndarray,
    amounts: np.ndarray,
    calibration_end: DateLike | None = None,
    observation_end: DateLike | None = None,
    time_unit: str = "days",
    horizon_months: int = 12,
    monthly_discount_rate: float = 0.01,
) -> ClvReport:
    """Summarise, fit BG/NBD and Gamma-Gamma, compute CLV and (with a holdout) check it."""
    if time_unit not in TIME_UNITS:
        raise ValueError(f"time unit must be one of {', '.join(TIME_UNITS)}, got {time_unit!r}")
    days = np.asarray(dates, dtype="datetime64[D]")
    if len(days) == 0:
        raise ValueError("no transactions")
    if observation_end is None:
        observation_end = calibration_end if calibration_end is not None else days.max()
    unit = TIME_UNITS[time_unit]
    summaries = summarise_transactions(
        customer_ids, days, amounts, observation_end, calibration_end, time_unit_days=unit
    )
    if len(summaries) == 0:
        raise ValueError("no customer bought on or before the end of calibration")
    bgnbd = fit_bgnbd(summaries.x, summaries.t_x, summaries.T)
    gamma_gamma = fit_gamma_gamma(summaries.x, summaries.m)
    clv = customer_lifetime_value(
        bgnbd,
        gamma_gamma,
        summaries.x,
        summaries.t_x,
        summaries.T,
        summaries.m,
        horizon_months=horizon_months,
        monthly_discount_rate=monthly_discount_rate,
        time_unit_days=unit,
    )
    observation = np.datetime64(observation_end, "D")
    calibration = observation if calibration_end is None else np.datetime64(calibration_end, "D")
    return ClvReport(
        transactions=len(days),
        calibration_end=calibration.astype(date),
        observation_end=observation.astype(date),
        time_unit=time_unit,
        summaries=summaries,
        bgnbd=bgnbd,
        gamma_gamma=gamma_gamma,
        horizon_months=horizon_months,
        monthly_discount_rate=monthly_discount_rate,
        clv=clv,
        holdout=_holdout(summaries, bgnbd),
    )


def report_dict(report: ClvReport) -> dict[str, object]:
    """The report as plain JSON-ready values."""
    b, g = report.bgnbd, report.gamma_gamma
    fit_fields = ("log_likelihood", "n_customers", "seconds", "converged")
    holdout = report.holdout
    return {
        "transactions": report.transactions,
        "customers": len(report.summaries),
        "calibration_end": report.calibration_end.isoformat(),
        "observation_end": report.observation_end.isoformat(),
        "time_unit": report.time_unit,
        "bgnbd": {
            "r": b.params.r,
            "alpha": b.params.alpha,
            "a": b.params.a,
            "b": b.params.b,
            **{name: getattr(b, name) for name in fit_fields},
        },
        "gamma_gamma": {
            "p": g.params.p,
            "q": g.params.q,
            "gamma": g.params.gamma,
            **{name: getattr(g, name) for name in fit_fields},
            "n_excluded": g.n_excluded,
        },
        "clv": {
            "horizon_months": report.horizon_months,
            "monthly_discount_rate": report.monthly_discount_rate,
            "total": float(report.clv.sum()),
            "mean": float(report.clv.mean()),
        },
        "holdout": None
        if holdout is None
        else {
            "length": holdout.length,
            "actual_total": holdout.actual_total,
            "expected_total": holdout.expected_total,
            "mean_absolute_error": holdout.mean_absolute_error,
            "root_mean_squared_error": holdout.root_mean_squared_error,
        },
    }
