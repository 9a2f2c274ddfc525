"""Asymptotic standard errors of the maximum-likelihood estimates (inverse observed information).

The Hessian of the summed log-likelihood is taken by central differences in log-parameters (where
the fits search), inverted, and mapped back to the natural parameters by the delta method
(se(theta_i) * exp(theta_i)).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from orchestration.clv.bgnbd_likelihood import bgnbd_log_likelihood
from orchestration.clv.gamma_gamma import gamma_gamma_log_likelihood
from orchestration.clv.inputs import as_weights
from orchestration.clv.params import BgNbdParams, GammaGammaParams

STEP = 1e-4  # central-difference step in log-parameters


def log_hessian(log_likelihood: Callable[[np.ndarray], float], params: np.ndarray) -> np.ndarray:
    """Hessian of log_likelihood(exp(theta)) at theta = log(params), by central differences."""
    theta = np.log(np.asarray(params, dtype=float))
    n = len(theta)
    hessian = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            e_i, e_j = np.eye(n)[i] * STEP, np.eye(n)[j] * STEP
            value = (
                log_likelihood(np.exp(theta + e_i + e_j))
                - log_likelihood(np.exp(theta + e_i - e_j))
                - log_likelihood(np.exp(theta - e_i + e_j))
                + log_likelihood(np.exp(theta - e_i - e_j))
            ) / (4.0 * STEP**2)
            hessian[i, j] = hessian[j, i] = value
    return hessian


def _standard_errors(
    log_likelihood: Callable[[np.ndarray], float], params: np.ndarray
) -> np.ndarray:
    covariance = np.linalg.inv(-log_hessian(log_likelihood, params))
    return np.sqrt(np.diag(covariance)) * params


def bgnbd_standard_errors(
    params: BgNbdParams,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    weights: np.ndarray | None = None,
) -> BgNbdParams:
    """Standard errors of (r, alpha, a, b) at the fitted `params`."""
    w = as_weights(weights, len(np.asarray(x)))

    def log_likelihood(theta: np.ndarray) -> float:
        return float(np.dot(w, bgnbd_log_likelihood(BgNbdParams(*theta), x, t_x, T)))

    return BgNbdParams(*(float(v) for v in _standard_errors(log_likelihood, params.as_array())))


def gamma_gamma_standard_errors(
    params: GammaGammaParams, x: np.ndarray, m: np.ndarray
) -> GammaGammaParams:
    """Standard errors of (p, q, gamma) at the fitted `params`, over the customers with x > 0."""
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    repeat = x > 0

    def log_likelihood(theta: np.ndarray) -> float:
        return float(
            gamma_gamma_log_likelihood(GammaGammaParams(*theta), x[repeat], m[repeat]).sum()
        )

    return GammaGammaParams(
        *(float(v) for v in _standard_errors(log_likelihood, params.as_array()))
    )
