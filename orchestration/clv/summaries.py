"""Transactions -> one (x, t_x, T, m) row per customer, the input of BG/NBD and Gamma-Gamma (SPEC 9).

Rules: purchases of one customer on one day are merged into one purchase (amounts summed); x is the
number of repeat purchase days (distinct purchase days - 1); t_x the time from the first to the last
purchase; T the time from the first purchase to the end of calibration; m the mean value of the
repeat purchases (the first purchase day excluded; 0 when x == 0). Times are in days divided by
`time_unit_days` (7 for weeks). With `calibration_end`, only transactions on or before it count for
(x, t_x, T, m); the purchase days after it, up to `observation_end`, are the holdout counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

DateLike = date | str | np.datetime64


@dataclass(frozen=True, slots=True, eq=False)
class CustomerSummaries:
    """One row per customer (sorted by customer_id); every field a numpy array of that length.

    x_holdout counts the distinct purchase days in (calibration_end, observation_end] (zeros when
    no calibration_end was given); holdout_length is that period in time units (0 without it).
    """

    customer_id: np.ndarray
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    m: np.ndarray
    x_holdout: np.ndarray | None = None
    holdout_length: float = 0.0

    def __len__(self) -> int:
        return len(self.customer_id)


def _day(value: DateLike) -> np.datetime64:
    return np.datetime64(value, "D")


def _merged_days(
    customer: np.ndarray, day: np.ndarray, amount: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort by (customer, day) and sum the amounts of each customer's day."""
    order = np.lexsort((day, customer))
    customer, day, amount = customer[order], day[order], amount[order]
    starts = np.flatnonzero(
        np.concatenate(([True], (customer[1:] != customer[:-1]) | (day[1:] != day[:-1])))
    )
    return customer[starts], day[starts], np.add.reduceat(amount, starts)


def _holdout_days(
    keys: np.ndarray, ids: np.ndarray, days: np.ndarray, after: np.datetime64, until: np.datetime64
) -> np.ndarray:
    """Distinct purchase days per known customer in (after, until]."""
    counts = np.zeros(len(keys), dtype=np.int64)
    inside = (days > after) & (days <= until)
    if not inside.any() or len(keys) == 0:
        return counts
    position = np.searchsorted(keys, ids[inside]).clip(max=len(keys) - 1)
    known = keys[position] == ids[inside]
    pairs = np.unique(np.stack([position[known], days[inside][known].astype(np.int64)]), axis=1)
    np.add.at(counts, pairs[0], 1)
    return counts


def summarise_transactions(
    customer_ids: Sequence[object] | np.ndarray,
    dates: Sequence[DateLike] | np.ndarray,
    amounts: Sequence[float] | np.ndarray,
    observation_end: DateLike,
    calibration_end: DateLike | None = None,
    time_unit_days: float = 1.0,
) -> CustomerSummaries:
    """Summarise transactions per customer; see the module docstring for the rules.

    Transactions after `observation_end` are ignored; customers whose first purchase is after the
    end of calibration do not appear.
    """
    ids = np.asarray(customer_ids).astype(str)
    days = np.asarray(dates, dtype="datetime64[D]")
    values = np.asarray(amounts, dtype=float)
    if not (ids.ndim == days.ndim == values.ndim == 1 and len(ids) == len(days) == len(values)):
        raise ValueError("customer_ids, dates and amounts must be 1-D and of the same length")
    if not np.isfinite(values).all():
        raise ValueError("amounts must be finite")
    if np.isnat(days).any():
        raise ValueError("dates must not be missing (NaT)")
    if not time_unit_days > 0:
        raise ValueError(f"time_unit_days must be positive, got {time_unit_days}")
    observation = _day(observation_end)
    calibration = observation if calibration_end is None else _day(calibration_end)
    if calibration > observation:
        raise ValueError(f"calibration_end {calibration} is after observation_end {observation}")

    in_calibration = days <= calibration
    keys, customer = np.unique(ids[in_calibration], return_inverse=True)
    n = len(keys)
    if n == 0:
        empty = np.zeros(0)
        return CustomerSummaries(
            keys.astype(object), empty.astype(np.int64), empty, empty, empty, empty.astype(np.int64)
        )
    day_customer, day, day_amount = _merged_days(
        customer, days[in_calibration].astype(np.int64), values[in_calibration]
    )
    first_row = np.flatnonzero(np.concatenate(([True], day_customer[1:] != day_customer[:-1])))
    last_row = np.concatenate((first_row[1:] - 1, [len(day_customer) - 1]))
    x = np.bincount(day_customer, minlength=n).astype(np.int64) - 1
    repeat_total = (
        np.bincount(day_customer, weights=day_amount, minlength=n) - day_amount[first_row]
    )
    first, last = day[first_row], day[last_row]
    holdout = (
        _holdout_days(keys, ids, days, calibration, observation)
        if calibration_end is not None
        else np.zeros(n, dtype=np.int64)
    )
    return CustomerSummaries(
        customer_id=keys.astype(object),
        x=x,
        t_x=(last - first) / time_unit_days,
        T=(calibration.astype(np.int64) - first) / time_unit_days,
        m=np.where(x > 0, repeat_total / np.maximum(x, 1), 0.0),
        x_holdout=holdout,
        holdout_length=float((observation - calibration).astype(np.int64)) / time_unit_days,
    )
