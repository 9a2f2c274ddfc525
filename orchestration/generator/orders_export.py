"""Shopify ``orders_export.csv``: one row per line item, order-level columns on the first row only.

``Name`` is on every row; timestamps are in the shop's time zone with their offset
(``2024-03-01 10:15:22 +0100``); amounts are in the order's currency.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from orchestration.generator import catalog
from orchestration.generator.clock import Clock
from orchestration.generator.csv_out import MONEY, SHOPIFY, TEXT, Column, write_csv
from orchestration.generator.orders import (
    DISCOUNT_CODES,
    PAYMENT_METHODS,
    PENDING,
    STATUSES,
    Orders,
)
from orchestration.generator.people import Persons


def local_time(clock: Clock, ts: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """Local wall time (us) and its '+0100' offset text; null where ``ts`` is -1."""
    safe = np.maximum(ts, 0)
    minutes = clock.offset(safe) // 60_000_000
    text = [
        f"{'+' if m >= 0 else '-'}{abs(m) // 60:02d}{abs(m) % 60:02d}" for m in minutes.tolist()
    ]
    return pa.array(clock.local(safe), mask=ts < 0), pa.array(text, mask=ts < 0)


def write(
    path: Path, rng: np.random.Generator, orders: Orders, persons: Persons, clock: Clock
) -> int:
    o = orders.line_order
    first = np.ones(o.size, dtype=bool)
    first[1:] = o[1:] != o[:-1]
    take = pa.array(o, mask=~first)

    def head(values: object) -> pa.Array:
        """An order-level column: the order's value on its first line, empty on the others."""
        arr = values if isinstance(values, pa.Array) else pa.array(values)
        return arr.take(take)

    def stamp(ts: np.ndarray) -> tuple[pa.Array, pa.Array]:
        local, offset = local_time(clock, ts)
        return head(local), head(offset)

    n = len(orders)
    people = orders.person.tolist()
    shout = (rng.random(n) < 0.015).tolist()
    email = [
        persons.email[p].upper() if u else persons.email[p]
        for p, u in zip(people, shout, strict=True)
    ]
    full_name = [f"{persons.first_name[p]} {persons.last_name[p]}" for p in people]
    country = [catalog.COUNTRIES[c] for c in persons.country[orders.person].tolist()]
    tax_name = [
        f"{c.code} {'Sales Tax' if c.code in ('US', 'CA') else 'VAT'} {round(c.tax_rate * 100)}%"
        for c in country
    ]
    products = [catalog.PRODUCTS[p] for p in orders.line_product.tolist()]
    variants = [catalog.VARIANTS[v] for v in orders.line_variant.tolist()]
    compare = rng.random(o.size) < 0.25
    ids = 5_600_000_000_000 + orders.number * 211 + rng.integers(0, 200, n)
    fulfilled = orders.fulfilled_at >= 0
    code = pa.array([DISCOUNT_CODES[c] for c in orders.code.tolist()], mask=orders.code == 0)
    free = (orders.shipping == 0) & (orders.total >= 10_000)

    columns: list[Column] = [
        ("Name", pa.array(["#" + str(x) for x in orders.number.tolist()]).take(pa.array(o)), TEXT),
        ("Email", head(email), TEXT),
        ("Financial Status", head([STATUSES[s] for s in orders.status.tolist()]), TEXT),
        ("Paid at", stamp(orders.paid_at), SHOPIFY),
        ("Fulfillment Status", head(np.where(fulfilled, "fulfilled", "unfulfilled")), TEXT),
        ("Fulfilled at", stamp(orders.fulfilled_at), SHOPIFY),
        ("Accepts Marketing", head(np.where(orders.accepts_marketing, "yes", "no")), TEXT),
        ("Currency", head(np.where(orders.eur, "EUR", "USD")), TEXT),
        ("Subtotal", head(orders.subtotal), MONEY),
        ("Shipping", head(orders.shipping), MONEY),
        ("Taxes", head(orders.taxes), MONEY),
        ("Total", head(orders.total), MONEY),
        ("Discount Code", head(code), TEXT),
        ("Discount Amount", head(orders.discount), MONEY),
        ("Shipping Method", head(np.where(free, "Free Shipping", "Standard Shipping")), TEXT),
        ("Created at", stamp(orders.created), SHOPIFY),
        ("Lineitem quantity", pa.array(orders.line_qty), TEXT),
        ("Lineitem name", [f"{p[2]} - {v}" for p, v in zip(products, variants, strict=True)], TEXT),
        ("Lineitem price", pa.array(orders.line_price), MONEY),
        (
            "Lineitem compare at price",
            pa.array(np.round(orders.line_price * 1.25).astype(np.int64), mask=~compare),
            MONEY,
        ),
        (
            "Lineitem sku",
            [f"{p[0]}-{v.split(' / ')[0]}" for p, v in zip(products, variants, strict=True)],
            TEXT,
        ),
        ("Lineitem requires shipping", np.full(o.size, "true"), TEXT),
        ("Lineitem taxable", np.full(o.size, "true"), TEXT),
        ("Lineitem fulfillment status", np.where(fulfilled[o], "fulfilled", "pending"), TEXT),
        ("Billing Name", head(full_name), TEXT),
        ("Billing Country", head([c.code for c in country]), TEXT),
        ("Shipping Name", head(full_name), TEXT),
        ("Shipping Country", head([c.code for c in country]), TEXT),
        ("Cancelled at", stamp(orders.cancelled_at), SHOPIFY),
        ("Payment Method", head([PAYMENT_METHODS[m] for m in orders.payment.tolist()]), TEXT),
        ("Refunded Amount", head(orders.refunded), MONEY),
        ("Vendor", [p[4] for p in products], TEXT),
        ("Outstanding Balance", head(np.where(orders.status == PENDING, orders.total, 0)), MONEY),
        ("Id", head(ids), TEXT),
        ("Tags", head(pa.array(np.full(n, "VIP"), mask=orders.total < 30_000)), TEXT),
        ("Source", head(np.full(n, "web")), TEXT),
        ("Lineitem discount", np.zeros(o.size, dtype=np.int64), MONEY),
        ("Tax 1 Name", head(tax_name), TEXT),
        ("Tax 1 Value", head(orders.taxes), MONEY),
        ("Risk Level", head(np.full(n, "Low")), TEXT),
    ]
    return write_csv(path, columns)
