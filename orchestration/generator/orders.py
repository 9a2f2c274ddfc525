"""Shop orders: one per purchase session, valued by the planted Gamma-Gamma model (truth 2).

The gross Total of an order in USD is ``z ~ Gamma(p, rate nu_person)`` rounded to cents; EUR
orders (billing country in the euro area) carry ``round(z / eur_usd, 2)`` EUR. The Total is split
exactly: ``Total = Subtotal + Shipping + Taxes`` and ``Subtotal = sum(price * qty) - Discount``.
Orders of CANCELLED sessions are extra, voided orders; a share of the others is refunded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestration.generator import catalog
from orchestration.generator.clock import HOUR, MINUTE, US, Clock
from orchestration.generator.ga4_events import PURCHASE, Skeleton
from orchestration.generator.journeys import CANCELLED, JOURNEY, Sessions
from orchestration.generator.people import Persons
from orchestration.generator.truths import PlantedTruths
from orchestration.generator.vec import choice, expand

FIRST_ORDER_NUMBER = 1001
DISCOUNT_CODES = ("", "WELCOME10", "TRAIL15", "FREESHIP5")
DISCOUNT_RATES = (0.0, 0.10, 0.15, 0.05)
STATUSES = ("paid", "pending", "refunded", "partially_refunded", "voided")
PAID, PENDING, REFUNDED, PARTIAL, VOIDED = range(5)
PENDING_SHARE = 0.015
FREE_SHIPPING_FROM = 100_00
SHIPPING_FROM = 30_00
SHIPPING_CENTS = 5_95


@dataclass
class Orders:
    session: np.ndarray  # session index of the purchase
    number: np.ndarray  # 1001, 1002, ... in order of creation
    person: np.ndarray
    created: np.ndarray  # us UTC (= the GA4 purchase event time)
    eur: np.ndarray  # currency EUR (else USD)
    total: np.ndarray  # cents, order currency
    subtotal: np.ndarray
    shipping: np.ndarray
    taxes: np.ndarray
    discount: np.ndarray
    code: np.ndarray  # index into DISCOUNT_CODES
    tax_rate: np.ndarray
    status: np.ndarray  # index into STATUSES
    refunded: np.ndarray  # cents
    paid_at: np.ndarray  # us or -1
    fulfilled_at: np.ndarray  # us or -1
    cancelled_at: np.ndarray  # us or -1
    accepts_marketing: np.ndarray
    is_first: np.ndarray
    is_cancelled: np.ndarray
    z_usd: np.ndarray  # planted value (USD, before rounding)
    value_usd: np.ndarray  # gross Total in USD (EUR converted at the fixed rate)
    line_order: np.ndarray  # lines, grouped by order
    line_product: np.ndarray
    line_variant: np.ndarray
    line_qty: np.ndarray
    line_price: np.ndarray  # cents, order currency
    payment: np.ndarray  # index into PAYMENT_METHODS

    def __len__(self) -> int:
        return int(self.number.size)


PAYMENT_METHODS = ("Shopify Payments", "PayPal Express Checkout", "Klarna")


def build(
    rng: np.random.Generator,
    s: Sessions,
    product_of_session: np.ndarray,
    skeleton: Skeleton,
    persons: Persons,
    joined: np.ndarray,
    clock: Clock,
    truths: PlantedTruths,
) -> Orders:
    purchase_events = np.flatnonzero((skeleton.name == PURCHASE) & (skeleton.ts < clock.t_end))
    created = skeleton.ts[purchase_events]
    session = skeleton.session[purchase_events]
    order = np.lexsort((session, created))
    created, session = created[order], session[order]
    n = session.size
    person = s.person[session]
    gg = truths.gamma_gamma
    z = rng.gamma(gg.p, 1.0 / persons.nu[person])
    z_cents = np.maximum(np.round(z * 100).astype(np.int64), 100)
    country = persons.country[person]
    eur = np.array([c.currency == catalog.EU_CURRENCY for c in catalog.COUNTRIES])[country]
    total = np.where(eur, np.round(z_cents / truths.eur_usd).astype(np.int64), z_cents)
    value_usd = np.where(eur, total * truths.eur_usd, total) / 100.0

    shipping = np.where((total >= SHIPPING_FROM) & (total < FREE_SHIPPING_FROM), SHIPPING_CENTS, 0)
    tax_rate = np.array([c.tax_rate for c in catalog.COUNTRIES])[country]
    taxable = total - shipping
    subtotal = np.round(taxable / (1.0 + tax_rate)).astype(np.int64)
    taxes = taxable - subtotal
    is_first = s.kind[session] == JOURNEY
    new_subscriber = persons.subscriber[person] & ~persons.existing_subscriber[person]
    code = np.where(rng.random(n) < 0.08, choice(rng, (0, 0, 0.6, 0.4), n), 0)
    code = np.where(is_first & new_subscriber & (rng.random(n) < 0.5), 1, code)
    rate = np.asarray(DISCOUNT_RATES)[code]
    gross = np.round(subtotal / (1.0 - rate)).astype(np.int64)
    discount = gross - subtotal

    line = _lines(rng, gross, product_of_session[session])

    is_cancelled = s.kind[session] == CANCELLED
    u = rng.random(n)
    status = np.full(n, PAID)
    status = np.where(u < truths.refunded_share, REFUNDED, status)
    partial_cut = truths.refunded_share + truths.partially_refunded_share
    status = np.where((u >= truths.refunded_share) & (u < partial_cut), PARTIAL, status)
    status = np.where((u >= partial_cut) & (u < partial_cut + PENDING_SHARE), PENDING, status)
    status = np.where(is_cancelled, VOIDED, status)
    refunded = np.where(status == REFUNDED, total, 0)
    refunded = np.where(
        status == PARTIAL, np.round(total * rng.uniform(0.2, 0.6, n)).astype(np.int64), refunded
    )
    paid_at = np.where(
        (status == PENDING) | (status == VOIDED),
        -1,
        created + (rng.uniform(1, 20, n) * US).astype(np.int64),
    )
    fulfilled_at = created + (rng.uniform(18, 72, n) * HOUR).astype(np.int64)
    fulfilled_at = np.where((paid_at >= 0) & (fulfilled_at < clock.t_end), fulfilled_at, -1)
    cancelled_at = created + (rng.uniform(0.5, 30, n) * HOUR).astype(np.int64)
    cancelled_at = np.minimum(cancelled_at, np.maximum(clock.t_end - MINUTE, created + MINUTE))
    cancelled_at = np.where(is_cancelled, cancelled_at, -1)

    return Orders(
        session=session,
        number=FIRST_ORDER_NUMBER + np.arange(n, dtype=np.int64),
        person=person,
        created=created,
        eur=eur,
        total=total,
        subtotal=subtotal,
        shipping=shipping,
        taxes=taxes,
        discount=discount,
        code=code,
        tax_rate=tax_rate,
        status=status,
        refunded=refunded,
        paid_at=paid_at,
        fulfilled_at=fulfilled_at,
        cancelled_at=cancelled_at,
        accepts_marketing=persons.subscriber[person] & (joined[person] <= created),
        is_first=is_first,
        is_cancelled=is_cancelled,
        z_usd=z,
        value_usd=value_usd,
        line_order=line[0],
        line_product=line[1],
        line_variant=line[2],
        line_qty=line[3],
        line_price=line[4],
        payment=choice(rng, (0.7, 0.25, 0.05), n),
    )


def _lines(
    rng: np.random.Generator, gross: np.ndarray, first_product: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Line items summing exactly to ``gross`` cents; the first line is the viewed product."""
    n = gross.size
    n_lines = np.minimum(1 + rng.poisson(0.6, n), 4)
    owner, k = expand(n_lines)
    qty = np.where(k == 0, 1, choice(rng, (0.85, 0.12, 0.03), owner.size) + 1)
    # every line costs at least 1.00 per unit; fall back to one line if the order is too small
    min_total = np.bincount(owner, weights=qty * 100, minlength=n).astype(np.int64)
    too_small = min_total > gross
    keep = ~too_small[owner] | (k == 0)
    owner, k, qty = owner[keep], k[keep], qty[keep]
    min_total = np.bincount(owner, weights=qty * 100, minlength=n).astype(np.int64)
    weight = rng.gamma(2.0, 1.0, owner.size)
    weight_sum = np.bincount(owner, weights=weight, minlength=n)
    spare = np.maximum(gross - min_total, 0)
    amount = qty * 100 + np.floor(weight / weight_sum[owner] * spare[owner])
    price = np.floor(amount / qty).astype(np.int64)
    others = np.bincount(owner, weights=np.where(k == 0, 0, price * qty), minlength=n)
    price = np.where(k == 0, gross[owner] - others[owner].astype(np.int64), price)
    product = np.where(
        k == 0,
        first_product[owner],
        (first_product[owner] + 1 + rng.integers(0, len(catalog.PRODUCTS) - 1, owner.size))
        % len(catalog.PRODUCTS),
    )
    variant = rng.integers(0, len(catalog.VARIANTS), owner.size)
    return owner, product, variant, qty.astype(np.int64), price
