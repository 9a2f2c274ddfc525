"""Parameter and fit-result records of the BG/NBD and Gamma-Gamma models."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class BgNbdParams:
    """BG/NBD (Fader, Hardie & Lee 2005).

    Purchase rate lambda ~ Gamma(shape r, rate alpha), in purchases per time unit (so alpha is in
    time units); dropout probability after each repeat purchase p ~ Beta(a, b).
    """

    r: float
    alpha: float
    a: float
    b: float

    def as_array(self) -> np.ndarray:
        return np.array([self.r, self.alpha, self.a, self.b], dtype=float)


@dataclass(frozen=True, slots=True)
class GammaGammaParams:
    """Gamma-Gamma spend model (Fader & Hardie 2013 note).

    Each purchase value z ~ Gamma(shape p, rate nu); per customer nu ~ Gamma(shape q, rate gamma).
    """

    p: float
    q: float
    gamma: float

    def as_array(self) -> np.ndarray:
        return np.array([self.p, self.q, self.gamma], dtype=float)

    def population_mean(self) -> float:
        """E[z] = p * gamma / (q - 1) over all customers; infinite when q <= 1."""
        return self.p * self.gamma / (self.q - 1.0) if self.q > 1.0 else float("inf")


@dataclass(frozen=True, slots=True)
class BgNbdFit:
    """A maximum-likelihood BG/NBD fit.

    log_likelihood is the sum over customers (weighted when weights were given), n_customers the
    number of customers (the sum of the weights), seconds the wall time of the fit.
    """

    params: BgNbdParams
    log_likelihood: float
    n_customers: int
    seconds: float
    converged: bool
    message: str = ""


@dataclass(frozen=True, slots=True)
class GammaGammaFit:
    """A maximum-likelihood Gamma-Gamma fit on the repeat buyers (x > 0).

    n_customers counts the repeat buyers fitted; n_excluded the repeat buyers left out because
    their mean repeat value m is 0 (e.g. free items), which a Gamma distribution cannot produce.
    """

    params: GammaGammaParams
    log_likelihood: float
    n_customers: int
    seconds: float
    converged: bool
    message: str = ""
    n_excluded: int = 0
