"""Shapley-value attribution over channel sets (order and repeats ignored).

v(T) = conversions / (conversions + nulls) of the journeys whose channel set is exactly T, 0 if
never seen (v of the empty set is 0). For every distinct channel set S of converting journeys the
exact Shapley values of S's channels in the game restricted to the subsets of S are computed with
weights |T|!(|S|-|T|-1)!/|S|!, negatives clipped to 0, normalised to sum 1. A channel's credit is
the sum over converting sets of (set conversions x normalised value); its value likewise uses the
set's conversion value.

More than MAX_EXACT_CHANNELS channels in one set: the set's rarest channels (fewest journeys
overall, ties by name) are grouped into one player OTHER so the game has MAX_EXACT_CHANNELS
players. Rates for that game are recomputed by applying the same grouping to every observed
subset of S. OTHER's credit is then split equally among the channels it groups, so every credit
still lands on a real channel.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from orchestration.attribution.paths import PathAggregate

MAX_EXACT_CHANNELS = 15
OTHER = "Other"


@dataclass(frozen=True, slots=True)
class ShapleyChannel:
    channel: str
    conversions: float
    value: float
    share: float


@dataclass(frozen=True, slots=True)
class ShapleyResult:
    channels: dict[str, ShapleyChannel]
    total_conversions: float
    total_value: float
    # Normalised Shapley values per converting channel set: the per-conversion credit.
    set_values: dict[frozenset[str], dict[str, float]]


def shapley_values_for_set(
    channel_set: Iterable[str], rates: Mapping[frozenset[str], float]
) -> dict[str, float]:
    """Exact Shapley values of the channels of a set, negatives clipped, normalised to 1."""
    players = sorted(set(channel_set))
    n = len(players)
    if n == 0:
        return {}
    if n > 20:
        raise ValueError(f"{n} channels is too many for exact Shapley values; group them first")
    masks = np.arange(1 << n, dtype=np.int64)
    v = np.zeros(1 << n)
    for mask in range(1, 1 << n):
        subset = frozenset(players[i] for i in range(n) if mask >> i & 1)
        v[mask] = rates.get(subset, 0.0)
    size = np.zeros(1 << n, dtype=np.int64)
    for i in range(n):
        size += (masks >> i) & 1
    weights = np.array(
        [math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n) for k in range(n)]
    )
    phi = np.empty(n)
    for i in range(n):
        without = masks[(masks >> i) & 1 == 0]
        phi[i] = float(np.dot(weights[size[without]], v[without | (1 << i)] - v[without]))
    phi = np.clip(phi, 0.0, None)
    total = phi.sum()
    if total <= 0:
        return dict.fromkeys(players, 0.0)
    return {player: float(value / total) for player, value in zip(players, phi, strict=True)}


def aggregate_sets(paths: Iterable[PathAggregate]) -> dict[frozenset[str], list[float]]:
    """Channel set -> [conversions, nulls, value]."""
    by_path: dict[tuple[str, ...], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for p in paths:
        row = by_path[p.channels]
        row[0] += p.conversions
        row[1] += p.nulls
        row[2] += p.value
    by_set: dict[frozenset[str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for path, (conversions, nulls, value) in by_path.items():
        row = by_set[frozenset(path)]
        row[0] += conversions
        row[1] += nulls
        row[2] += value
    return by_set


def _rate(conversions: float, nulls: float) -> float:
    journeys = conversions + nulls
    return conversions / journeys if journeys > 0 else 0.0


def _grouped_values(
    channel_set: frozenset[str],
    by_set: Mapping[frozenset[str], list[float]],
    journeys_per_channel: Mapping[str, float],
) -> dict[str, float]:
    """Shapley values for a set larger than MAX_EXACT_CHANNELS, rarest channels as OTHER."""
    ranked = sorted(channel_set, key=lambda c: (-journeys_per_channel[c], c))
    rare = frozenset(ranked[MAX_EXACT_CHANNELS - 1 :])
    counts: dict[frozenset[str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for other_set, (conversions, nulls, _) in by_set.items():
        if other_set <= channel_set:
            grouped = other_set - rare | ({OTHER} if other_set & rare else set())
            counts[frozenset(grouped)][0] += conversions
            counts[frozenset(grouped)][1] += nulls
    rates = {s: _rate(c, n) for s, (c, n) in counts.items()}
    values = shapley_values_for_set([*ranked[: MAX_EXACT_CHANNELS - 1], OTHER], rates)
    other = values.pop(OTHER)
    for channel in rare:
        values[channel] = other / len(rare)
    return values


def shapley_attribution(paths: Iterable[PathAggregate]) -> ShapleyResult:
    """Shapley credit per channel: conversions, value and share of all conversions."""
    by_set = aggregate_sets(paths)
    rates = {s: _rate(c, n) for s, (c, n, _) in by_set.items()}
    journeys_per_channel: dict[str, float] = defaultdict(float)
    for channel_set, (conversions, nulls, _) in by_set.items():
        for channel in channel_set:
            journeys_per_channel[channel] += conversions + nulls
    credit = dict.fromkeys(sorted(journeys_per_channel), 0.0)
    value = dict.fromkeys(credit, 0.0)
    total_conversions = sum(row[0] for row in by_set.values())
    total_value = sum(row[2] for row in by_set.values())
    set_values: dict[frozenset[str], dict[str, float]] = {}
    for channel_set, (conversions, _, set_value) in by_set.items():
        if conversions <= 0 or not channel_set:
            continue
        if len(channel_set) > MAX_EXACT_CHANNELS:
            values = _grouped_values(channel_set, by_set, journeys_per_channel)
        else:
            values = shapley_values_for_set(channel_set, rates)
        set_values[channel_set] = values
        for channel, share in values.items():
            credit[channel] += conversions * share
            value[channel] += set_value * share
    credited = sum(credit.values())
    channels = {
        c: ShapleyChannel(c, credit[c], value[c], credit[c] / credited if credited > 0 else 0.0)
        for c in credit
    }
    return ShapleyResult(channels, total_conversions, total_value, set_values)
