"""Maximum likelihood on log-parameters with scipy.optimize (shared by both models).

Every parameter of BG/NBD and Gamma-Gamma is positive, so the search runs on log-parameters
(unconstrained, with wide box bounds against overflow), with the analytic gradient chained to
log-parameters (d/dlog(theta) = theta d/dtheta). The objective is the mean negative log-likelihood
per customer, so tolerances mean the same for any number of customers. L-BFGS-B runs first; when it
stops without meeting its criteria and the gradient is not small, Nelder-Mead continues from there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

LOG_BOUND = 25.0  # parameters are kept within exp(+-25) ~ [1e-11, 7e10]
GRADIENT_TOLERANCE = 1e-6  # max |d mean log-likelihood / d log-parameter| accepted as converged
_PENALTY = 1e100  # objective value where the log-likelihood is not finite

LogLikelihood = Callable[[np.ndarray], tuple[float, np.ndarray]]


@dataclass(frozen=True, slots=True)
class Optimum:
    """Where the search stopped: natural parameters, summed log-likelihood, success flag."""

    params: np.ndarray
    log_likelihood: float
    converged: bool
    message: str


def maximise(log_likelihood: LogLikelihood, start: np.ndarray, scale: float) -> Optimum:
    """Maximise `log_likelihood(params) -> (sum over customers, gradient)` from positive `start`.

    `scale` is the number (total weight) of customers: the search minimises -log_likelihood / scale.
    """
    scale = max(float(scale), 1.0)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(theta)
        value, gradient = log_likelihood(params)
        if not (np.isfinite(value) and np.isfinite(gradient).all()):
            return _PENALTY, np.zeros_like(theta)
        return -value / scale, -gradient * params / scale

    theta0 = np.log(np.asarray(start, dtype=float))
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(theta0)
    result = minimize(
        objective,
        theta0,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": 1e-14, "gtol": 1e-9, "maxiter": 5000},
    )
    steep = np.abs(objective(result.x)[1]).max() > GRADIENT_TOLERANCE
    if not result.success and steep:
        result = minimize(
            lambda theta: objective(theta)[0],
            result.x,
            method="Nelder-Mead",
            bounds=bounds,
            options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 20000, "maxfev": 40000},
        )
    params = np.exp(result.x)
    value, gradient = log_likelihood(params)
    flat = bool(np.abs(gradient * params / scale).max() <= GRADIENT_TOLERANCE)
    converged = bool(np.isfinite(value)) and (bool(result.success) or flat)
    return Optimum(params, float(value), converged, str(result.message))
