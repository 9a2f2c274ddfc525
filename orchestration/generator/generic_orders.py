"""A second sales channel: marketplace orders exported as a generic order-lines CSV.

Written with the headers of `generic_order_lines_mapping` in dbt_project.yml, so the configured
mapping loads it. These orders are outside the planted BG/NBD and Gamma-Gamma processes (those
describe the Shopify web shop); in 10% of them the first line is cancelled a day later by a
negative-quantity line with status `cancelled`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from orchestration.config import project_var
from orchestration.generator.catalog import PRODUCTS
from orchestration.generator.clock import Clock
from orchestration.generator.csv_out import ISO_UTC, MONEY, TEXT, us_array, write_csv
from orchestration.generator.people import Persons

MARKETPLACE_SHARE = 0.02  # of persons who buy once on the marketplace
CANCELLED_SHARE = 0.10


def write(path: Path, rng: np.random.Generator, persons: Persons, clock: Clock) -> tuple[int, int]:
    """Write the marketplace order lines; return (rows, bytes)."""
    headers = project_var("generic_order_lines_mapping")
    buyers = np.flatnonzero(rng.random(persons.n) < MARKETPLACE_SHARE)
    if buyers.size == 0:
        buyers = np.array([0])
    n_orders = buyers.size
    ordered_at = rng.integers(clock.t_start, clock.t_end, n_orders)
    lines_per_order = rng.integers(1, 3, n_orders)
    cancelled = rng.random(n_orders) < CANCELLED_SHARE

    order = np.repeat(np.arange(n_orders), lines_per_order)
    product = rng.integers(0, len(PRODUCTS), order.size)
    quantity = rng.integers(1, 3, order.size)
    # A cancellation is a second line with the negative quantity of the order's first line.
    first_line = np.r_[0, np.cumsum(lines_per_order)[:-1]]
    cancel_of = first_line[cancelled]
    order = np.r_[order, order[cancel_of]]
    product = np.r_[product, product[cancel_of]]
    quantity = np.r_[quantity, -quantity[cancel_of]]
    line_time = np.r_[
        ordered_at[order[: order.size - cancel_of.size]], ordered_at[order[cancel_of]]
    ]
    line_time[order.size - cancel_of.size :] += 86_400 * 1_000_000  # cancelled a day later
    status = np.where(
        np.arange(order.size) >= order.size - cancel_of.size, "cancelled", "completed"
    )

    sequence = np.argsort(order, kind="stable")
    order, product, quantity = order[sequence], product[sequence], quantity[sequence]
    line_time, status = line_time[sequence], status[sequence]
    person = buyers[order]
    price_cents = np.array([round(PRODUCTS[p][5] * 100) for p in product.tolist()], dtype=np.int64)
    columns = [
        (headers["order_id"], pa.array([f"MP-{10001 + o}" for o in order.tolist()]), TEXT),
        (headers["customer_id"], pa.array([f"mp-{p:07d}" for p in person.tolist()]), TEXT),
        (headers["email"], pa.array([persons.email[p] for p in person.tolist()]), TEXT),
        (headers["ordered_at"], us_array(line_time), ISO_UTC),
        (headers["product"], pa.array([PRODUCTS[p][2] for p in product.tolist()]), TEXT),
        (headers["quantity"], pa.array(quantity), TEXT),
        (headers["unit_price"], pa.array(price_cents), MONEY),
        (headers["currency"], pa.array(["USD"] * order.size), TEXT),
        (headers["status"], pa.array(status.tolist()), TEXT),
    ]
    return order.size, write_csv(path, columns)
