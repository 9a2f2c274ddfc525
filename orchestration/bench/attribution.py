"""Time the data-driven attribution models on many aggregated paths (issue 8's harness reuses it)."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from orchestration.attribution import PathAggregate, markov_attribution, shapley_attribution


def random_paths(count: int, channels: int, seed: int, max_length: int = 5) -> list[PathAggregate]:
    """`count` random aggregated paths over channels ch0..ch{channels-1}, 1..max_length touches."""
    rng = random.Random(seed)
    names = [f"ch{i}" for i in range(channels)]
    paths = []
    for _ in range(count):
        path = tuple(rng.choice(names) for _ in range(rng.randint(1, max_length)))
        conversions = rng.choice([0, 0, 1, 2])
        paths.append(PathAggregate(path, conversions, conversions * 7.5, rng.randint(0, 4)))
    return paths


@dataclass(frozen=True)
class AttributionTiming:
    paths: int
    channels: int
    distinct_paths: int
    generate_seconds: float
    markov_seconds: float
    shapley_seconds: float


def time_attribution(paths: int = 1_000_000, channels: int = 8, seed: int = 1) -> AttributionTiming:
    """Wall time of exact Markov and Shapley on `paths` aggregated path rows."""
    started = time.perf_counter()
    rows = random_paths(paths, channels, seed)
    generated = time.perf_counter()
    markov_attribution(rows)
    solved = time.perf_counter()
    shapley_attribution(rows)
    finished = time.perf_counter()
    return AttributionTiming(
        paths=paths,
        channels=channels,
        distinct_paths=len({row.channels for row in rows}),
        generate_seconds=generated - started,
        markov_seconds=solved - generated,
        shapley_seconds=finished - solved,
    )
