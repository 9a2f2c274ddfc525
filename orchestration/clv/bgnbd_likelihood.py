"""BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 6) and its gradient.

For one customer with x repeat purchases, the last at t_x, observed for T:

    L = B(a, b + x) / B(a, b) * Gamma(r + x) alpha^r / (Gamma(r) (alpha + T)^(r + x))
      + [x > 0] B(a + 1, b + x - 1) / B(a, b) * Gamma(r + x) alpha^r / (Gamma(r) (alpha + t_x)^(r + x))

computed in logs with gammaln / betaln and logaddexp:

    log L = C + log(e^A + e^D)
    C = log Gamma(r + x) - log Gamma(r) + r log alpha - log B(a, b)
    A = log B(a, b + x) - (r + x) log(alpha + T)
    D = log B(a + 1, b + x - 1) - (r + x) log(alpha + t_x)     (D = -inf for x = 0)

The gradient (digamma psi; w_A = e^A / (e^A + e^D) and w_D = 1 - w_A are the posterior
probabilities that the customer is alive / has dropped out after the last purchase):

    d/dr     = psi(r + x) - psi(r) + log alpha - w_A log(alpha + T) - w_D log(alpha + t_x)
    d/dalpha = r / alpha - (r + x) (w_A / (alpha + T) + w_D / (alpha + t_x))
    d/da     = psi(a + b) - psi(a) + w_A psi(a) + w_D psi(a + 1) - psi(a + b + x)
    d/db     = psi(a + b) - psi(b) + w_A psi(b + x) + w_D psi(b + x - 1) - psi(a + b + x)

`BgNbdData` prepares the arrays once per fit: every term that depends on x alone is evaluated
on the distinct values of x only, so one evaluation costs a few logs per customer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, digamma, gammaln

from orchestration.clv.params import BgNbdParams


def bgnbd_log_likelihood(
    params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Log-likelihood of each customer's (x, t_x, T) under BG/NBD (FHL 2005 eq. 6)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    alive = betaln(a, b + x) - (r + x) * np.log(alpha + T)
    repeat = x > 0
    dead = np.where(
        repeat,
        betaln(a + 1.0, np.where(repeat, b + x - 1.0, 1.0)) - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    return common + np.logaddexp(alive, dead)


@dataclass(frozen=True, slots=True, eq=False)
class BgNbdData:
    """Customers prepared for repeated likelihood evaluations (weights count identical rows)."""

    x_values: np.ndarray  # distinct x
    index: np.ndarray  # position of each row's x in x_values
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    weights: np.ndarray

    @classmethod
    def prepare(
        cls, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weights: np.ndarray
    ) -> BgNbdData:
        x_values, index = np.unique(x, return_inverse=True)
        return cls(x_values, index.ravel(), x, t_x, T, weights)


def log_likelihood_and_gradient(params: np.ndarray, data: BgNbdData) -> tuple[float, np.ndarray]:
    """Weighted sum of log L over customers, and its gradient in (r, alpha, a, b)."""
    r, alpha, a, b = (float(v) for v in params)
    xv, i, w = data.x_values, data.index, data.weights
    repeat_v = xv > 0
    b_dead = np.where(repeat_v, b + xv - 1.0, 1.0)
    # Terms of x alone, on the distinct values of x.
    common_v = gammaln(r + xv) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    alive_v = betaln(a, b + xv)
    dead_v = np.where(repeat_v, betaln(a + 1.0, b_dead), -np.inf)
    log_alive_T = np.log(alpha + data.T)
    log_alive_tx = np.log(alpha + data.t_x)
    k = r + data.x
    alive = alive_v[i] - k * log_alive_T
    dead = dead_v[i] - k * log_alive_tx
    mixture = np.logaddexp(alive, dead)
    value = float(np.dot(w, common_v[i] + mixture))

    share_alive = np.exp(alive - mixture)
    share_dead = 1.0 - share_alive
    psi_ab, psi_abx = digamma(a + b), digamma(a + b + xv)
    d_r = digamma(r + xv)[i] - digamma(r) + np.log(alpha)
    d_r = d_r - share_alive * log_alive_T - share_dead * log_alive_tx
    d_alpha = r / alpha - k * (share_alive / (alpha + data.T) + share_dead / (alpha + data.t_x))
    d_a = (
        psi_ab - digamma(a) - psi_abx[i] + share_alive * digamma(a) + share_dead * digamma(a + 1.0)
    )
    psi_dead = np.where(repeat_v, digamma(b_dead), 0.0)
    d_b = (psi_ab - digamma(b) - psi_abx)[i] + share_alive * digamma(b + xv)[i]
    d_b = d_b + share_dead * psi_dead[i]
    gradient = np.array([np.dot(w, d) for d in (d_r, d_alpha, d_a, d_b)])
    return value, gradient
