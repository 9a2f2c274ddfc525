"""Predictive customer lifetime value (SPEC 9): BG/NBD purchases, Gamma-Gamma spend, discounted CLV.

Fitting is maximum likelihood with scipy (special functions and scipy.optimize) on numpy arrays:
dependency-light, where `lifetimes` is archived and `pymc-marketing` brings a probabilistic
programming stack. Published CDNOW results (Fader, Hardie & Lee 2005; Fader & Hardie 2013) are
reproduced by tests/test_clv_fit.py.
"""

import orchestration.scientific  # noqa: F401  (first: see that module)
from orchestration.clv.bgnbd import fit_bgnbd
from orchestration.clv.bgnbd_likelihood import bgnbd_log_likelihood
from orchestration.clv.gamma_gamma import (
    expected_order_value,
    fit_gamma_gamma,
    gamma_gamma_log_likelihood,
)
from orchestration.clv.params import BgNbdFit, BgNbdParams, GammaGammaFit, GammaGammaParams
from orchestration.clv.predict import expected_purchases, probability_alive
from orchestration.clv.report import ClvReport, HoldoutCheck, clv_report, report_dict
from orchestration.clv.simulate import simulate_bgnbd, simulate_gamma_gamma
from orchestration.clv.summaries import CustomerSummaries, summarise_transactions
from orchestration.clv.transactions import TransactionFileError, read_transactions
from orchestration.clv.uncertainty import bgnbd_standard_errors, gamma_gamma_standard_errors
from orchestration.clv.value import (
    DAYS_PER_MONTH,
    customer_lifetime_value,
    monthly_expected_purchases,
)

__all__ = [
    "DAYS_PER_MONTH",
    "BgNbdFit",
    "BgNbdParams",
    "ClvReport",
    "CustomerSummaries",
    "GammaGammaFit",
    "GammaGammaParams",
    "HoldoutCheck",
    "TransactionFileError",
    "bgnbd_log_likelihood",
    "bgnbd_standard_errors",
    "clv_report",
    "customer_lifetime_value",
    "expected_order_value",
    "expected_purchases",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "gamma_gamma_log_likelihood",
    "gamma_gamma_standard_errors",
    "monthly_expected_purchases",
    "probability_alive",
    "read_transactions",
    "report_dict",
    "simulate_bgnbd",
    "simulate_gamma_gamma",
    "summarise_transactions",
]
