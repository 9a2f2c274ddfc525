"""Gamma-Gamma spend model: log-likelihood, maximum-likelihood fit, conditional expected value.

Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value". A customer's purchase values
are z_i ~ Gamma(p, nu), with nu ~ Gamma(q, gamma) across customers. The model is fitted on the
repeat buyers (x > 0) only, with m the mean of their x repeat purchase values; repeat buyers
with m == 0 (free items only) have zero density under any Gamma and are left out and counted
(GammaGammaFit.n_excluded). scipy (betaln, digamma, L-BFGS-B) is the only dependency, as for
BG/NBD (see orchestration.clv.bgnbd).

Likelihood convention: the density of the observed mean m (lifetimes' GammaGammaFitter and the
published CDNOW log-likelihood use it):

    f(m | p, q, gamma, x) = Gamma(p x + q) / (Gamma(p x) Gamma(q))
                            * gamma^q m^(p x - 1) x^(p x) / (gamma + m x)^(p x + q)

(The density of the total x m differs by -log x per customer; the parameter estimates are the same.)

Conditional expected average value (the posterior mean of p / nu):

    E[Z | p, q, gamma, m, x] = (gamma + m x) p / (p x + q - 1)
                             = w * p gamma / (q - 1) + (1 - w) * m,  w = (q - 1) / (p x + q - 1)

which for x = 0 is the population mean p gamma / (q - 1).
"""

from __future__ import annotations

import time

import numpy as np
from scipy.special import betaln, digamma

from orchestration.clv.inputs import as_float_arrays
from orchestration.clv.optimise import maximise
from orchestration.clv.params import GammaGammaFit, GammaGammaParams


def gamma_gamma_log_likelihood(
    params: GammaGammaParams, x: np.ndarray, m: np.ndarray
) -> np.ndarray:
    """Log-density of each repeat buyer's mean value m given x > 0 (module docstring)."""
    p, q, gamma = params.p, params.q, params.gamma
    x, m = (np.asarray(v, dtype=float) for v in (x, m))
    px = p * x
    return (
        -betaln(px, q)
        + q * np.log(gamma)
        + (px - 1.0) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + m * x)
    )


def log_likelihood_and_gradient(
    params: np.ndarray, x: np.ndarray, m: np.ndarray, x_values: np.ndarray, index: np.ndarray
) -> tuple[float, np.ndarray]:
    """Sum of the log-densities and its gradient in (p, q, gamma); terms of x alone per distinct x.

    d/dp = x (psi(p x + q) - psi(p x) + log m + log x - log(gamma + m x))
    d/dq = psi(p x + q) - psi(q) + log gamma - log(gamma + m x)
    d/dgamma = q / gamma - (p x + q) / (gamma + m x)
    """
    p, q, gamma = (float(v) for v in params)
    px_values = p * x_values
    psi_total = digamma(px_values + q)[index]
    px = p * x
    log_m, log_x, log_total = np.log(m), np.log(x), np.log(gamma + m * x)
    value = np.sum(
        -betaln(px_values, q)[index]
        + q * np.log(gamma)
        + (px - 1.0) * log_m
        + px * log_x
        - (px + q) * log_total
    )
    d_p = x * (psi_total - digamma(px_values)[index] + log_m + log_x - log_total)
    d_q = psi_total - digamma(q) + np.log(gamma) - log_total
    d_gamma = q / gamma - (px + q) / (gamma + m * x)
    return float(value), np.array([d_p.sum(), d_q.sum(), d_gamma.sum()])


def _repeat_buyers(x: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Repeat buyers with a positive mean value, and how many repeat buyers had m == 0."""
    x, m = as_float_arrays(x=x, m=m)
    if (x < 0).any():
        raise ValueError("x must be non-negative")
    repeat = x > 0
    if (m[repeat] < 0).any():
        raise ValueError("m must be >= 0 (mean repeat purchase value)")
    usable = repeat & (m > 0)
    return x[usable], m[usable], int(repeat.sum() - usable.sum())


def fit_gamma_gamma(x: np.ndarray, m: np.ndarray) -> GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma fit on the customers with x > 0 (and m > 0)."""
    started = time.perf_counter()
    x, m, excluded = _repeat_buyers(x, m)
    if len(x) == 0:
        raise ValueError("fit_gamma_gamma needs at least one customer with x > 0 and m > 0")
    x_values, index = np.unique(x, return_inverse=True)
    index = index.ravel()
    # p = 1, q = 2 and gamma matching the population mean p gamma / (q - 1) to the mean of m.
    optimum = maximise(
        lambda params: log_likelihood_and_gradient(params, x, m, x_values, index),
        np.array([1.0, 2.0, float(np.mean(m))]),
        scale=len(x),
    )
    return GammaGammaFit(
        params=GammaGammaParams(*(float(v) for v in optimum.params)),
        log_likelihood=optimum.log_likelihood,
        n_customers=len(x),
        seconds=time.perf_counter() - started,
        converged=optimum.converged,
        message=optimum.message,
        n_excluded=excluded,
    )


def expected_order_value(params: GammaGammaParams, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """E[value of a future purchase | x, m]; p gamma / (q - 1) for x == 0 (module docstring)."""
    x, m = as_float_arrays(x=x, m=m)
    if (x < 0).any():
        raise ValueError("x must be non-negative")
    if params.q <= 1.0:
        raise ValueError(f"q = {params.q} <= 1: the Gamma-Gamma mean value is infinite")
    p, q, gamma = params.p, params.q, params.gamma
    return (gamma + np.where(x > 0, m, 0.0) * x) * p / (p * x + q - 1.0)
