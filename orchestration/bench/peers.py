"""Peers measured beside the pipeline on the same data: BG/NBD against `lifetimes`, Markov/Shapley.

`lifetimes` is archived; it is an optional extra (`pip install -e '.[bench]'`). When it does not
install or import with the current numpy / pandas / scipy, the error is the peer's result.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

SUMMARIES = (
    "select cast(x as double), cast(t_x as double), cast(age_t as double) "
    "from intermediate.int_customers__clv_summaries"
)


def read_summaries(warehouse: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, t_x, T) of every customer, as the nightly CLV fit sees them (days)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(SUMMARIES).fetchnumpy()
    finally:
        con.close()
    x, t_x, age = (rows[name] for name in rows)
    return np.asarray(x), np.asarray(t_x), np.asarray(age)


def ours(x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> dict[str, Any]:
    from orchestration.clv import fit_bgnbd

    fit = fit_bgnbd(x, t_x, age)
    return {
        "seconds": fit.seconds,
        "params": {k: getattr(fit.params, k) for k in ("r", "alpha", "a", "b")},
        "log_likelihood": fit.log_likelihood,
        "converged": fit.converged,
    }


def lifetimes_fit(x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> dict[str, Any]:
    """BetaGeoFitter on the same per-customer rows, or the reason it could not run."""
    try:
        from lifetimes import BetaGeoFitter
    except Exception as error:  # ImportError, or an incompatibility raised on import
        return {"error": f"lifetimes not usable: {type(error).__name__}: {error}"}
    started = time.perf_counter()
    try:
        fitter = BetaGeoFitter(penalizer_coef=0.0).fit(x, t_x, age)
    except Exception as error:
        return {"error": f"lifetimes fit failed: {type(error).__name__}: {error}"}
    seconds = time.perf_counter() - started
    params = {k: float(fitter.params_[k]) for k in ("r", "alpha", "a", "b")}
    return {"seconds": seconds, "params": params}


def clv_peers(warehouse: Path) -> dict[str, Any]:
    x, t_x, age = read_summaries(warehouse)
    return {
        "customers": int(x.size),
        "distinct_rows": int(np.unique(np.stack([x, t_x, age]), axis=1).shape[1]) if x.size else 0,
        "ours": ours(x, t_x, age),
        "lifetimes": lifetimes_fit(x, t_x, age),
    }


def markov_peer(paths: int) -> dict[str, Any]:
    from orchestration.bench.attribution import time_attribution

    timing = time_attribution(paths=paths)
    return {
        "paths": timing.paths,
        "distinct_paths": timing.distinct_paths,
        "markov_seconds": timing.markov_seconds,
        "shapley_seconds": timing.shapley_seconds,
    }
