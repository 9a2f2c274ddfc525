"""Benchmark scales: a GA4 event count (1M, 10M, 100M) turned into generator arguments.

The generator is driven by customers and days; events grow linearly with customers at a fixed
history length, so the customer count for a target is the target over the events one customer
makes in the history (EVENTS_PER_CUSTOMER, measured with `journey generate`, see README
"Benchmark"). CRM, email and orders grow with the customers, so they stay proportional.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HISTORY_DAYS = 90  # the full build's history; the nightly run adds one more day
# GA4 events per generated customer over 91 days (measured: 5,000 customers, seed 42: 197,599 events).
EVENTS_PER_CUSTOMER = 39.5
_SUFFIX = {"": 1, "K": 1_000, "M": 1_000_000}


def parse_count(text: str) -> int:
    """'1M' -> 1,000,000; '250K' -> 250,000; '12345' -> 12,345."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KkMm]?)\s*", text)
    if not match:
        raise ValueError(f"not an event count: {text!r} (use e.g. 1M, 250K or 100000)")
    return int(float(match.group(1)) * _SUFFIX[match.group(2).upper()])


@dataclass(frozen=True)
class Scale:
    events: int  # target GA4 events over history + the new day
    customers: int
    history_days: int

    @property
    def days(self) -> int:
        """Days generated: the history plus the new day the nightly run loads."""
        return self.history_days + 1


def scale_for(events: int, history_days: int = HISTORY_DAYS, customers: int | None = None) -> Scale:
    """Generator arguments for about `events` GA4 events (customers given: used as they are)."""
    if events < 1:
        raise ValueError("events must be at least 1")
    per_customer = EVENTS_PER_CUSTOMER * (history_days + 1) / (HISTORY_DAYS + 1)
    count = customers if customers is not None else max(1, round(events / per_customer))
    return Scale(events=events, customers=count, history_days=history_days)
