"""Discounted customer lifetime value from a BG/NBD and a Gamma-Gamma fit (SPEC 9).

For a horizon of H months and a monthly discount rate d:

    CLV = sum_{k=1..H} E[Z | x, m] * (E[X(T, T + k M)] - E[X(T, T + (k - 1) M)]) / (1 + d)^k

where E[Z | x, m] is the Gamma-Gamma expected order value, E[X(T, T + t) | x, t_x, T] the BG/NBD
conditional expected purchases (FHL 2005 eq. 10) and M = 30.4375 days (365.25 / 12) in the time
unit. Purchases expected in month k are discounted as if made at the end of month k.
"""

from __future__ import annotations

import numpy as np

from orchestration.clv.gamma_gamma import expected_order_value
from orchestration.clv.params import BgNbdFit, BgNbdParams, GammaGammaFit, GammaGammaParams
from orchestration.clv.predict import expected_purchases

DAYS_PER_MONTH = 30.4375


def monthly_expected_purchases(
    params: BgNbdParams,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    horizon_months: int,
    time_unit_days: float = 1.0,
) -> np.ndarray:
    """Expected purchases in each month k = 1..H after T: an array of shape (customers, H)."""
    month = DAYS_PER_MONTH / time_unit_days
    cumulative = [np.zeros(np.shape(np.atleast_1d(x)))]
    for k in range(1, horizon_months + 1):
        cumulative.append(expected_purchases(params, k * month, x, t_x, T))
    return np.diff(np.column_stack(cumulative), axis=1)


def _bgnbd_params(fit: BgNbdFit | BgNbdParams) -> BgNbdParams:
    return fit.params if isinstance(fit, BgNbdFit) else fit


def _gamma_gamma_params(fit: GammaGammaFit | GammaGammaParams) -> GammaGammaParams:
    return fit.params if isinstance(fit, GammaGammaFit) else fit


def customer_lifetime_value(
    bgnbd: BgNbdFit | BgNbdParams,
    gamma_gamma: GammaGammaFit | GammaGammaParams,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    m: np.ndarray,
    horizon_months: int = 12,
    monthly_discount_rate: float = 0.01,
    time_unit_days: float = 1.0,
) -> np.ndarray:
    """Discounted expected value of each customer's purchases over the next `horizon_months`.

    Accepts the fits or their parameters. See the module docstring for the formula.
    """
    if int(horizon_months) != horizon_months or horizon_months < 0:
        raise ValueError(f"horizon_months must be a whole number >= 0, got {horizon_months}")
    if not monthly_discount_rate > -1.0:
        raise ValueError(f"monthly_discount_rate must be > -1, got {monthly_discount_rate}")
    if not time_unit_days > 0:
        raise ValueError(f"time_unit_days must be positive, got {time_unit_days}")
    per_month = monthly_expected_purchases(
        _bgnbd_params(bgnbd), x, t_x, T, int(horizon_months), time_unit_days
    )
    discount = (1.0 + monthly_discount_rate) ** -np.arange(1, int(horizon_months) + 1)
    return expected_order_value(_gamma_gamma_params(gamma_gamma), x, m) * (per_month @ discount)
