"""BG/NBD predictions per customer: P(alive) and conditional expected purchases (FHL 2005).

    P(alive | x, t_x, T) = 1 / (1 + [x > 0] a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x))

    E[X(T, T + t) | x, t_x, T] = P(alive | x, t_x, T) * E[Y(t) | alive at T]            (eq. 10)

with E[Y(t) | alive] from orchestration.clv.hypergeometric (2F1 closed form, safe fallback).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from orchestration.clv.hypergeometric import alive_mean
from orchestration.clv.inputs import as_float_arrays, check_recency
from orchestration.clv.params import BgNbdParams


def probability_alive(
    params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """P(customer still active at T | x, t_x, T); exactly 1 for x == 0."""
    x, t_x, T = as_float_arrays(x=x, t_x=t_x, T=T)
    check_recency(x, t_x, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    repeat = x > 0
    log_odds_dead = (
        np.log(a)
        - np.log(np.where(repeat, b + x - 1.0, 1.0))
        + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    )
    return np.where(repeat, expit(-log_odds_dead), 1.0)


def expected_purchases(
    params: BgNbdParams, t: float | np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """E[number of purchases in (T, T + t] | x, t_x, T] (FHL 2005 eq. 10); t in the time unit.

    `t` may be a scalar or one value per customer.
    """
    t, x, t_x, T = as_float_arrays(t=t, x=x, t_x=t_x, T=T)
    if (t < 0).any():
        raise ValueError("t must be non-negative")
    alive = probability_alive(params, x, t_x, T)
    return alive * alive_mean(params.r, params.alpha, params.a, params.b, t, x, T)
