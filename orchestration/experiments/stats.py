"""A/B test statistics on per-variant aggregates (marts.mart_experiments).

- Conversion rate: two-proportion z-test. The confidence interval of the difference
  ``p_t - p_c`` uses the unpooled standard error ``sqrt(p_c(1-p_c)/n_c + p_t(1-p_t)/n_t)`` (Wald);
  the test of ``H0: p_t = p_c`` uses the pooled one ``sqrt(p(1-p)(1/n_c + 1/n_t))`` with
  ``p = (x_c + x_t) / (n_c + n_t)``; two-sided p-value ``2 (1 - Phi(|z|))``. The relative
  difference ``p_t / p_c - 1`` gets the log risk-ratio interval (Katz et al. 1978, the one of
  ``scipy.stats.contingency.relative_risk``): ``exp(log(p_t/p_c) +- z SE) - 1`` with
  ``SE = sqrt(1/x_t - 1/n_t + 1/x_c - 1/n_c)``.
- Revenue per user: Welch's t-test from n, sum and sum of squares per variant (sample variances
  ``(sum_sq - n mean^2) / (n - 1)``), Welch-Satterthwaite degrees of freedom
  ``df = (v_c/n_c + v_t/n_t)^2 / ((v_c/n_c)^2/(n_c-1) + (v_t/n_t)^2/(n_t-1))``, interval
  ``diff +- t_{df, 1-alpha/2} SE``.
- Sample-ratio mismatch: Pearson chi-square goodness of fit of the users per variant against the
  planned split, ``k - 1`` degrees of freedom.

Undefined statistics (a variant without users, zero variance in both groups, a zero control rate
or no conversions in a variant for the relative interval) are ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True)
class ProportionComparison:
    """Treatment vs control conversion rates."""

    control_rate: float
    treatment_rate: float
    difference: float  # treatment - control
    standard_error: float  # unpooled, for the interval
    ci_low: float
    ci_high: float
    pooled_rate: float
    pooled_standard_error: float  # for the test
    z: float | None
    p_value: float | None
    relative_difference: float | None  # treatment / control - 1
    relative_ci_low: float | None  # log risk-ratio (Katz) interval
    relative_ci_high: float | None


@dataclass(frozen=True)
class MeanComparison:
    """Treatment vs control means (Welch)."""

    control_mean: float
    treatment_mean: float
    difference: float
    standard_error: float
    df: float | None
    t: float | None
    p_value: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class SampleRatioCheck:
    """Chi-square goodness of fit of the observed counts against the expected shares."""

    chi_square: float
    df: int
    p_value: float
    expected: tuple[float, ...]


def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def two_proportion_test(
    control_conversions: int,
    control_users: int,
    treatment_conversions: int,
    treatment_users: int,
    confidence: float = 0.95,
) -> ProportionComparison | None:
    """Two-proportion z-test (pooled SE) and Wald interval (unpooled SE); None without users."""
    x_c, n_c, x_t, n_t = control_conversions, control_users, treatment_conversions, treatment_users
    if n_c <= 0 or n_t <= 0:
        return None
    p_c, p_t = x_c / n_c, x_t / n_t
    diff = p_t - p_c
    se = math.sqrt(p_c * (1 - p_c) / n_c + p_t * (1 - p_t) / n_t)
    half = _z(confidence) * se
    pooled = (x_c + x_t) / (n_c + n_t)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n_c + 1 / n_t))
    z = diff / se0 if se0 > 0 else None
    p_value = float(2 * stats.norm.sf(abs(z))) if z is not None else None
    rel = rel_low = rel_high = None
    if p_c > 0:
        rel = p_t / p_c - 1
    if x_c > 0 and x_t > 0:
        log_se = math.sqrt(1 / x_t - 1 / n_t + 1 / x_c - 1 / n_c)
        log_ratio = math.log(p_t / p_c)
        rel_low = math.exp(log_ratio - _z(confidence) * log_se) - 1
        rel_high = math.exp(log_ratio + _z(confidence) * log_se) - 1
    return ProportionComparison(
        control_rate=p_c,
        treatment_rate=p_t,
        difference=diff,
        standard_error=se,
        ci_low=diff - half,
        ci_high=diff + half,
        pooled_rate=pooled,
        pooled_standard_error=se0,
        z=z,
        p_value=p_value,
        relative_difference=rel,
        relative_ci_low=rel_low,
        relative_ci_high=rel_high,
    )


def sample_variance(n: int, total: float, sum_of_squares: float) -> float | None:
    """Unbiased sample variance from n, sum and sum of squares (None for n < 2)."""
    if n < 2:
        return None
    mean = total / n
    return max(sum_of_squares - n * mean * mean, 0.0) / (n - 1)


def welch_t_test(
    control: tuple[int, float, float],
    treatment: tuple[int, float, float],
    confidence: float = 0.95,
) -> MeanComparison | None:
    """Welch's t-test of treatment - control means; each group as (n, sum, sum of squares).

    None when a group has fewer than 2 values; t, p and the interval are None when both
    variances are 0."""
    (n_c, sum_c, sq_c), (n_t, sum_t, sq_t) = control, treatment
    v_c, v_t = sample_variance(n_c, sum_c, sq_c), sample_variance(n_t, sum_t, sq_t)
    if v_c is None or v_t is None:
        return None
    mean_c, mean_t = sum_c / n_c, sum_t / n_t
    diff = mean_t - mean_c
    a, b = v_c / n_c, v_t / n_t
    se = math.sqrt(a + b)
    if se == 0:
        return MeanComparison(mean_c, mean_t, diff, 0.0, None, None, None, None, None)
    df = (a + b) ** 2 / (a**2 / (n_c - 1) + b**2 / (n_t - 1))
    t = diff / se
    p_value = float(2 * stats.t.sf(abs(t), df))
    half = float(stats.t.ppf(0.5 + confidence / 2.0, df)) * se
    return MeanComparison(mean_c, mean_t, diff, se, df, t, p_value, diff - half, diff + half)


def sample_ratio_test(
    observed: Sequence[int], expected_shares: Sequence[float]
) -> SampleRatioCheck | None:
    """Pearson chi-square of the counts against the shares (normalised to sum 1).

    None with fewer than two groups or no observations. A group with expected share 0 but
    observations is an infinite mismatch (p = 0)."""
    if len(observed) != len(expected_shares):
        raise ValueError("one expected share per observed count")
    total, share_sum = sum(observed), sum(expected_shares)
    if len(observed) < 2 or total <= 0 or share_sum <= 0:
        return None
    expected = tuple(total * s / share_sum for s in expected_shares)
    chi_square = 0.0
    for o, e in zip(observed, expected, strict=True):
        if e > 0:
            chi_square += (o - e) ** 2 / e
        elif o > 0:
            chi_square = math.inf
    df = len(observed) - 1
    p_value = 0.0 if math.isinf(chi_square) else float(stats.chi2.sf(chi_square, df))
    return SampleRatioCheck(chi_square, df, p_value, expected)
