"""First-order Markov-chain attribution with removal effects, solved exactly.

States: start, one per channel, conversion, null. A path a > b > c with C conversions and N nulls
adds weight C+N to start->a, a->b, b->c, then C to c->conversion and N to c->null. Rows are
normalised to transition probabilities; P = probability of absorption in conversion from start,
from the linear system (I - Q) x = r_conv over the transient states (start + channels). Removing
channel c sends every transition into c to null, i.e. x_c = 0: c's row and column are dropped.
The system size depends on the number of channels only, never on the number of paths.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from orchestration.attribution.paths import PathAggregate

_TINY = 1e-12


@dataclass(frozen=True, slots=True)
class MarkovChannel:
    channel: str
    removal_effect: float
    share: float
    conversions: float
    value: float


@dataclass(frozen=True, slots=True)
class MarkovResult:
    channels: dict[str, MarkovChannel]
    conversion_probability: float  # P from start
    probability_without: dict[str, float]  # P with the channel removed
    total_conversions: float
    total_value: float


def _absorption_probability(q: np.ndarray, r_conv: np.ndarray, keep: np.ndarray) -> float:
    """P(conversion | start) with only the transient states in `keep` (index 0 = start)."""
    sub_q = q[np.ix_(keep, keep)]
    x = np.linalg.solve(np.eye(len(keep)) - sub_q, r_conv[keep])
    return float(x[0])


def transition_counts(
    paths: Iterable[PathAggregate],
) -> tuple[list[str], np.ndarray, float, float]:
    """Weighted transition matrix over [start, channels..., conversion, null].

    Returns (channels, counts, total conversions, total value)."""
    by_path: dict[tuple[str, ...], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for p in paths:
        row = by_path[p.channels]
        row[0] += p.conversions
        row[1] += p.nulls
        row[2] += p.value
    channels = sorted({c for path in by_path for c in path})
    index = {c: i + 1 for i, c in enumerate(channels)}
    conv, null = len(channels) + 1, len(channels) + 2
    edges: dict[tuple[int, int], float] = defaultdict(float)
    total_conversions = total_value = 0.0
    for path, (conversions, nulls, value) in by_path.items():
        total_conversions += conversions
        total_value += value
        weight = conversions + nulls
        if weight <= 0 or not path:
            continue
        states = [0, *(index[c] for c in path)]
        for a, b in zip(states, states[1:], strict=False):
            edges[(a, b)] += weight
        edges[(states[-1], conv)] += conversions
        edges[(states[-1], null)] += nulls
    counts = np.zeros((len(channels) + 3, len(channels) + 3))
    if edges:
        keys = np.array(list(edges.keys()))
        np.add.at(counts, (keys[:, 0], keys[:, 1]), np.fromiter(edges.values(), float))
    return channels, counts, total_conversions, total_value


def markov_attribution(paths: Iterable[PathAggregate]) -> MarkovResult:
    """Removal-effect attribution; shares x total conversions / total value per channel."""
    channels, counts, total_conversions, total_value = transition_counts(paths)
    n = len(channels) + 1  # transient states: start + channels
    out = counts[:n].sum(axis=1, keepdims=True)
    # A state without outgoing weight is treated as going to null (its row stays zero).
    probs = np.divide(counts[:n], out, out=np.zeros_like(counts[:n]), where=out > 0)
    q, r_conv = probs[:, :n], probs[:, n]
    everything = np.arange(n)
    p_full = _absorption_probability(q, r_conv, everything) if n > 1 else 0.0
    removal: dict[str, float] = {}
    without: dict[str, float] = {}
    for i, channel in enumerate(channels, start=1):
        p_without = _absorption_probability(q, r_conv, everything[everything != i])
        without[channel] = p_without
        effect = 1.0 - p_without / p_full if p_full > 0 else 0.0
        removal[channel] = effect if effect > _TINY else 0.0
    total_effect = sum(removal.values())
    result: dict[str, MarkovChannel] = {}
    for channel in channels:
        share = removal[channel] / total_effect if total_effect > 0 else 0.0
        result[channel] = MarkovChannel(
            channel=channel,
            removal_effect=removal[channel],
            share=share,
            conversions=share * total_conversions,
            value=share * total_value,
        )
    return MarkovResult(result, p_full, without, total_conversions, total_value)
