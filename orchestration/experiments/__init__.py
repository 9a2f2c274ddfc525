"""A/B test statistics for marts.mart_experiments: two-proportion z-test, Welch's t-test and the
sample-ratio-mismatch chi-square, on per-variant aggregates (scipy.stats)."""

import orchestration.scientific  # noqa: F401  (first: see that module)
from orchestration.experiments.compare import FLOAT_COLUMNS, compare_variants, expected_shares
from orchestration.experiments.stats import (
    MeanComparison,
    ProportionComparison,
    SampleRatioCheck,
    sample_ratio_test,
    sample_variance,
    two_proportion_test,
    welch_t_test,
)

__all__ = [
    "FLOAT_COLUMNS",
    "compare_variants",
    "expected_shares",
    "MeanComparison",
    "ProportionComparison",
    "SampleRatioCheck",
    "sample_ratio_test",
    "sample_variance",
    "two_proportion_test",
    "welch_t_test",
]
