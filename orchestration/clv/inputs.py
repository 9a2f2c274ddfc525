"""Validation of the per-customer arrays the models take, and aggregation of duplicate rows."""

from __future__ import annotations

import numpy as np


def as_float_arrays(**arrays: object) -> list[np.ndarray]:
    """Each argument as a 1-D finite float array; all of one length (scalars are broadcast)."""
    converted = [np.atleast_1d(np.asarray(value, dtype=float)) for value in arrays.values()]
    try:
        broadcast = np.broadcast_arrays(*converted)
    except ValueError as error:
        raise ValueError(f"{', '.join(arrays)} must have the same length") from error
    for name, array in zip(arrays, broadcast, strict=True):
        if array.ndim != 1:
            raise ValueError(f"{name} must be 1-D")
        if not np.isfinite(array).all():
            raise ValueError(f"{name} must be finite")
    return [np.array(array) for array in broadcast]


def check_recency(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:
    """x >= 0 whole numbers and 0 <= t_x <= T, as (x, t_x, T) summaries always are."""
    if (x < 0).any() or (x != np.round(x)).any():
        raise ValueError("x must be non-negative whole numbers (repeat purchases)")
    if (t_x < 0).any() or (t_x > T * (1 + 1e-12) + 1e-12).any():
        raise ValueError("t_x must satisfy 0 <= t_x <= T")


def aggregate_rows(
    columns: list[np.ndarray], weights: np.ndarray
) -> tuple[list[np.ndarray], np.ndarray]:
    """Collapse identical rows of `columns` into one row each, summing their weights."""
    if len(weights) == 0:
        return columns, weights
    order = np.lexsort(columns[::-1])
    ordered = [column[order] for column in columns]
    changed = np.zeros(len(order), dtype=bool)
    changed[0] = True
    for column in ordered:
        changed[1:] |= column[1:] != column[:-1]
    starts = np.flatnonzero(changed)
    return [column[starts] for column in ordered], np.add.reduceat(weights[order], starts)


def as_weights(weights: object, n: int) -> np.ndarray:
    """Non-negative finite weights of length n (all ones when None)."""
    if weights is None:
        return np.ones(n)
    array = np.asarray(weights, dtype=float)
    if array.shape != (n,) or not np.isfinite(array).all() or (array < 0).any():
        raise ValueError(f"weights must be {n} finite non-negative numbers")
    return array
