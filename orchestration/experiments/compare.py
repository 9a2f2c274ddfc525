"""Per experiment and variant: rates, revenue per user and the comparison with the control variant.

``compare_variants`` turns the per-variant aggregates of one experiment (users, conversions,
orders, sum and sum of squares of net revenue per user, exposure times, excluded users) into the
rows of marts.mart_experiments: two-proportion z-test for the conversion rate (unpooled SE for the
interval, pooled for the test), Welch's t-test for revenue per user (orchestration.experiments.stats)
and the chi-square sample-ratio check of the users per variant against the planned split. The
control row, and every row of an experiment without the control variant, has null differences.

The planned split (var experiment_expected_split): None = equal shares over the variants seen;
``{variant: share}`` for every experiment; ``{experiment_id: {variant: share}}`` per experiment
(equal shares for experiments not listed). Shares are normalised to sum 1; a variant seen but not
planned has share 0 (any user in it is a mismatch, p = 0); a planned variant without users counts
with 0 users.
"""

from __future__ import annotations

from typing import Any

from orchestration.experiments.stats import (
    sample_ratio_test,
    sample_variance,
    two_proportion_test,
    welch_t_test,
)

FLOAT_COLUMNS = (
    "conversion_rate",
    "revenue_per_user",
    "revenue_per_user_stddev",
    "conversion_rate_difference",
    "conversion_rate_difference_ci_low",
    "conversion_rate_difference_ci_high",
    "conversion_rate_relative_difference",
    "conversion_rate_relative_ci_low",
    "conversion_rate_relative_ci_high",
    "conversion_z",
    "conversion_p_value",
    "revenue_per_user_difference",
    "revenue_per_user_difference_ci_low",
    "revenue_per_user_difference_ci_high",
    "revenue_t",
    "revenue_welch_df",
    "revenue_p_value",
    "expected_share",
    "observed_share",
    "srm_chi_square",
    "srm_p_value",
)


def expected_shares(split: Any, experiment_id: str, variants: list[str]) -> dict[str, float]:
    """Planned share per variant (variants of the split that saw no user included, with 0 users)."""
    if isinstance(split, dict) and isinstance(split.get(experiment_id), dict):
        split = split[experiment_id]
    elif isinstance(split, dict) and any(isinstance(v, dict) for v in split.values()):
        split = None  # per-experiment splits, none for this experiment: equal shares
    if not isinstance(split, dict) or not split:
        return {v: 1.0 for v in variants}
    shares = {str(k): float(v) for k, v in split.items()}
    return {**shares, **{v: shares.get(v, 0.0) for v in variants}}


def compare_variants(
    rows: list[dict[str, Any]],
    control: str,
    split: Any = None,
    srm_alpha: float = 0.001,
    confidence: float = 0.95,
) -> list[dict[str, Any]]:
    """The mart rows of one experiment from its per-variant aggregates (dicts with experiment_id,
    variant, users, conversions, orders, net_revenue, net_revenue_squares, first_exposed_at,
    last_exposed_at, excluded_users). Every row has every column; differences are None on the
    control row and when the experiment has no control variant."""
    experiment_id = rows[0]["experiment_id"]
    shares = expected_shares(split, experiment_id, [r["variant"] for r in rows])
    users = {r["variant"]: int(r["users"]) for r in rows}
    names = sorted(shares)
    srm = sample_ratio_test([users.get(v, 0) for v in names], [shares[v] for v in names])
    share_total = sum(shares.values())
    total_users = sum(users.values())
    base = next((r for r in rows if r["variant"] == control), None)
    out = []
    for r in rows:
        n, x = int(r["users"]), int(r["conversions"])
        revenue, squares = float(r["net_revenue"]), float(r["net_revenue_squares"])
        variance = sample_variance(n, revenue, squares)
        row: dict[str, Any] = {
            **dict.fromkeys(FLOAT_COLUMNS),  # every column, null unless computed below
            **{k: r[k] for k in ("experiment_id", "variant", "users", "conversions", "orders")},
            "is_control": r["variant"] == control,
            "conversion_rate": x / n,
            "net_revenue": revenue,
            "revenue_per_user": revenue / n,
            "revenue_per_user_stddev": None if variance is None else variance**0.5,
            "first_exposed_at": r["first_exposed_at"],
            "last_exposed_at": r["last_exposed_at"],
            "excluded_users": int(r["excluded_users"]),
            "expected_share": shares[r["variant"]] / share_total if share_total > 0 else None,
            "observed_share": n / total_users,
            "srm_chi_square": srm.chi_square if srm else None,
            "srm_p_value": srm.p_value if srm else None,
            "has_sample_ratio_mismatch": srm.p_value < srm_alpha if srm else None,
        }
        if base is not None and r is not base:
            rate = two_proportion_test(
                int(base["conversions"]), int(base["users"]), x, n, confidence
            )
            mean = welch_t_test(
                (
                    int(base["users"]),
                    float(base["net_revenue"]),
                    float(base["net_revenue_squares"]),
                ),
                (n, revenue, squares),
                confidence,
            )
            if rate is not None:
                row |= {
                    "conversion_rate_difference": rate.difference,
                    "conversion_rate_difference_ci_low": rate.ci_low,
                    "conversion_rate_difference_ci_high": rate.ci_high,
                    "conversion_rate_relative_difference": rate.relative_difference,
                    "conversion_rate_relative_ci_low": rate.relative_ci_low,
                    "conversion_rate_relative_ci_high": rate.relative_ci_high,
                    "conversion_z": rate.z,
                    "conversion_p_value": rate.p_value,
                }
            if mean is not None:
                row |= {
                    "revenue_per_user_difference": mean.difference,
                    "revenue_per_user_difference_ci_low": mean.ci_low,
                    "revenue_per_user_difference_ci_high": mean.ci_high,
                    "revenue_t": mean.t,
                    "revenue_welch_df": mean.df,
                    "revenue_p_value": mean.p_value,
                }
        out.append(row)
    return out
