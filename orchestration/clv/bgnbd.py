"""BG/NBD maximum-likelihood fit (Fader, Hardie & Lee 2005).

Why scipy: the fit needs only log-gamma / log-beta / digamma functions, the Gaussian
hypergeometric function and a bounded quasi-Newton optimiser, all in scipy, which keeps the
warehouse dependency-light. `lifetimes` (the usual Python implementation) is archived and pins old
pandas; `pymc-marketing` brings PyMC, PyTensor and pandas for what is here a few vectorised lines.

The likelihood and its analytic gradient are in orchestration.clv.bgnbd_likelihood; the search
(L-BFGS-B on log-parameters) in orchestration.clv.optimise.
"""

from __future__ import annotations

import time

import numpy as np

from orchestration.clv.bgnbd_likelihood import BgNbdData, log_likelihood_and_gradient
from orchestration.clv.inputs import aggregate_rows, as_float_arrays, as_weights, check_recency
from orchestration.clv.optimise import maximise
from orchestration.clv.params import BgNbdFit, BgNbdParams


def _start(x: np.ndarray, T: np.ndarray, w: np.ndarray) -> np.ndarray:
    """r = 1 and alpha from the mean purchase rate sum(x) / sum(T); a = b = 1."""
    exposure = float(np.dot(w, T))
    rate = float(np.dot(w, x)) / exposure if exposure > 0 else 0.0
    alpha = 1.0 / rate if rate > 0 else max(exposure / max(w.sum(), 1.0), 1.0)
    return np.array([1.0, alpha, 1.0, 1.0])


def fit_bgnbd(
    x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weights: np.ndarray | None = None
) -> BgNbdFit:
    """Maximum-likelihood BG/NBD fit; `weights` count identical (x, t_x, T) rows.

    Identical rows are collapsed before the search in any case, so only distinct (x, t_x, T)
    combinations cost time.
    """
    started = time.perf_counter()
    x, t_x, T = as_float_arrays(x=x, t_x=t_x, T=T)
    check_recency(x, t_x, T)
    w = as_weights(weights, len(x))
    if w.sum() <= 0:
        raise ValueError("fit_bgnbd needs at least one customer")
    (x, t_x, T), w = aggregate_rows([x, t_x, T], w)
    data = BgNbdData.prepare(x, t_x, T, w)
    optimum = maximise(
        lambda params: log_likelihood_and_gradient(params, data),
        _start(x, T, w),
        scale=w.sum(),
    )
    return BgNbdFit(
        params=BgNbdParams(*(float(v) for v in optimum.params)),
        log_likelihood=optimum.log_likelihood,
        n_customers=int(round(w.sum())),
        seconds=time.perf_counter() - started,
        converged=optimum.converged,
        message=optimum.message,
    )
