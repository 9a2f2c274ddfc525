"""Data-driven attribution (SPEC section 7): Markov-chain removal effects and Shapley values.

Both models work on aggregated paths (`PathAggregate`): one row per distinct channel path with
its conversions, conversion value and non-converting journeys ("nulls").
"""

from orchestration.attribution.markov import MarkovChannel, MarkovResult, markov_attribution
from orchestration.attribution.paths import PathAggregate, PathFileError, read_path_file
from orchestration.attribution.shapley import (
    ShapleyChannel,
    ShapleyResult,
    shapley_attribution,
    shapley_values_for_set,
)

__all__ = [
    "MarkovChannel",
    "MarkovResult",
    "PathAggregate",
    "PathFileError",
    "ShapleyChannel",
    "ShapleyResult",
    "markov_attribution",
    "read_path_file",
    "shapley_attribution",
    "shapley_values_for_set",
]
