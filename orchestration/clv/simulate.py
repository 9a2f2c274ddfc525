"""Simulate the BG/NBD purchase process and Gamma-Gamma spend with numpy (tests, benchmarks).

BG/NBD, per customer: lambda ~ Gamma(r, rate alpha), p ~ Beta(a, b); purchases follow a Poisson
process with rate lambda from the first purchase at time 0; after each repeat purchase the customer
drops out with probability p, so the number of repeat purchases made before dropping out is
J ~ Geometric(p) on {1, 2, ...}. Observed over (0, T]: with N ~ Poisson(lambda T) purchases while
alive, x = min(N, J) and, for x > 0, t_x is the x-th of N uniform order statistics on (0, T), i.e.
T * Beta(x, N - x + 1).

Gamma-Gamma, per repeat buyer: nu ~ Gamma(q, rate gamma); the mean of x values z ~ Gamma(p, rate nu)
is m ~ Gamma(p x, rate nu x).
"""

from __future__ import annotations

import numpy as np

from orchestration.clv.params import BgNbdParams, GammaGammaParams


def simulate_bgnbd(
    params: BgNbdParams, T: float | np.ndarray, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, t_x, T) of n simulated customers, each observed for T time units after joining."""
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    rate = rng.gamma(params.r, 1.0 / params.alpha, n)
    dropout = rng.beta(params.a, params.b, n)
    alive_purchases = rng.poisson(rate * T)
    before_dropout = rng.geometric(dropout)
    x = np.minimum(alive_purchases, before_dropout)
    t_x = np.zeros(n)
    repeat = x > 0
    t_x[repeat] = T[repeat] * rng.beta(x[repeat], alive_purchases[repeat] - x[repeat] + 1)
    return x, t_x, T


def simulate_gamma_gamma(
    params: GammaGammaParams, x: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Mean purchase value m per customer (0 where x == 0)."""
    x = np.asarray(x)
    nu = rng.gamma(params.q, 1.0 / params.gamma, len(x))
    m = np.zeros(len(x))
    repeat = x > 0
    m[repeat] = rng.gamma(params.p * x[repeat], 1.0 / (nu[repeat] * x[repeat]))
    return m
