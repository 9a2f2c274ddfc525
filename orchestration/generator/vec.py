"""Small vectorised helpers for grouped arrays (groups are contiguous runs of a sorted key)."""

from __future__ import annotations

import numpy as np


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Owner index and 0-based position within owner for ``counts[i]`` repeats of each owner."""
    counts = counts.astype(np.int64)
    owner = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    within = np.arange(owner.size, dtype=np.int64) - np.repeat(starts, counts)
    return owner, within


def group_rank(groups: np.ndarray) -> np.ndarray:
    """0-based position of each row within its run of equal ``groups`` values."""
    n = groups.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.ones(n, dtype=bool)
    first[1:] = groups[1:] != groups[:-1]
    start_pos = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    return np.arange(n) - start_pos


def group_first(groups: np.ndarray) -> np.ndarray:
    """True on the first row of each run of equal ``groups`` values."""
    first = np.ones(groups.size, dtype=bool)
    first[1:] = groups[1:] != groups[:-1]
    return first


def group_cummax(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Running maximum of float ``values`` restarting at each run of ``groups``."""
    if values.size == 0:
        return values.copy()
    lo = float(values.min())
    span = float(values.max()) - lo + 1.0
    run = np.cumsum(group_first(groups))
    shifted = (values - lo) + run * span
    return np.maximum.accumulate(shifted) - run * span + lo


def group_cumsum_exclusive(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Sum of ``values`` over the earlier rows of the same run (0 on a run's first row)."""
    total = np.cumsum(values)
    before = total - values
    first = group_first(groups)
    base = np.maximum.accumulate(np.where(first, np.arange(values.size), 0))
    return before - before[base]


def prev_in_group(values: np.ndarray, groups: np.ndarray, fill: float | int) -> np.ndarray:
    """Value of the previous row in the same run, ``fill`` on a run's first row."""
    out = np.empty_like(values)
    if values.size == 0:
        return out
    out[0] = fill
    out[1:] = values[:-1]
    out[group_first(groups)] = fill
    return out


def choice(rng: np.random.Generator, weights: np.ndarray | list[float], size: int) -> np.ndarray:
    """Indices drawn with the given (unnormalised) weights."""
    w = np.asarray(weights, dtype=float)
    return rng.choice(w.size, size=size, p=w / w.sum())


def random_ids(rng: np.random.Generator, n: int, length: int, alphabet: str) -> list[str]:
    """``n`` random strings of ``length`` characters from ``alphabet``."""
    table = np.frombuffer(alphabet.encode("ascii"), dtype=np.uint8)
    codes = table[rng.integers(0, table.size, size=(n, length))]
    return [row.decode("ascii") for row in codes.view(f"S{length}").ravel()] if n else []


def narrow(values: np.ndarray, dtype: type[np.integer]) -> np.ndarray:
    """``values`` stored as the smaller integer ``dtype`` (ValueError if any would not fit):
    the GA4 row arrays are held for every event of the run, so 8-byte integers cost GBs at scale."""
    limits = np.iinfo(dtype)
    if values.size and (values.min() < limits.min or values.max() > limits.max):
        raise ValueError(
            f"values from {values.min()} to {values.max()} do not fit {dtype.__name__}"
        )
    return values.astype(dtype, copy=False)
