"""Ground truth of a generated sample (``DIR/_truth/*.parquet``); the loaders never read it.

- ``persons``: person_id, email, names, country, subscriber_id, customer_id, has_account,
  acquisition_channel, planted channel set and conversion probability/decision, ``converted``
  (a non-cancelled first order is in the data), journey_channels (channels of the visible sessions
  up to the first purchase, or all sessions), planted ``bgnbd_lambda``, ``bgnbd_p``, ``gg_nu``,
  n_orders (non-cancelled), n_cancelled_orders, first_order_at.
- ``devices``: user_pseudo_id, person_id (one row per person using it), shared, analytics_consent,
  category.
- ``sessions``: user_pseudo_id, ga_session_id, person_id, session_start, kind, in_journey, channel,
  source, medium, campaign, steps_reached (0-5), last_step, is_purchase, order_name,
  crosses_midnight, n_events.
- ``orders``: order_name, person_id, created_at, currency, total, gross_value_usd,
  planted_value_usd, is_cancelled, is_first, financial_status, refunded_amount.
- ``experiment_users`` (written by ``experiment.write_truth``): one row per device exposed to the
  planted experiment - user_pseudo_id, experiment_id, variant, analytics_consent,
  first_exposed_at, converted, converted_at.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.generator import catalog
from orchestration.generator import ga4_events as ev
from orchestration.generator.behaviour import Behaviour
from orchestration.generator.clock import Clock
from orchestration.generator.journeys import JOURNEY, Journeys, Sessions
from orchestration.generator.orders import STATUSES, Orders
from orchestration.generator.people import Devices, Persons
from orchestration.generator.truths import CHANNELS

KINDS = ("journey", "repeat", "browse", "cancelled_order")
STEP_NAMES = (
    "session_start",
    "view_item",
    "add_to_cart",
    "begin_checkout",
    "add_payment_info",
    "purchase",
)


def _ts(us: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    mask = us < 0 if valid is None else ~valid
    return pa.array(us.astype(np.int64), pa.int64(), mask=mask).cast(pa.timestamp("us"))


def _channel_lists(bits: np.ndarray) -> pa.Array:
    return pa.array(
        [[c for i, c in enumerate(CHANNELS) if (b >> i) & 1] for b in bits.tolist()],
        pa.list_(pa.string()),
    )


def write(
    out: Path,
    persons: Persons,
    devices: Devices,
    journeys: Journeys,
    b: Behaviour,
    skeleton: ev.Skeleton,
    orders: Orders,
    user_pseudo_id: list[str],
    clock: Clock,
) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    s: Sessions = journeys.sessions
    n = persons.n
    visible = skeleton.ts < clock.t_end
    sess = skeleton.session
    step_of_event = np.zeros(len(skeleton), dtype=np.int64)
    for name, step in ev.FUNNEL_STEP.items():
        step_of_event[skeleton.name == name] = step
    steps = np.zeros(len(s), dtype=np.int64)
    np.maximum.at(steps, sess[visible], step_of_event[visible])
    n_events = np.bincount(sess[visible], minlength=len(s))
    day = clock.day_index(skeleton.ts)
    first_day = np.full(len(s), np.iinfo(np.int64).max)
    last_day = np.full(len(s), -1)
    np.minimum.at(first_day, sess[visible], day[visible])
    np.maximum.at(last_day, sess[visible], day[visible])

    order_of_session = np.full(len(s), -1, dtype=np.int64)
    order_of_session[orders.session] = np.arange(len(orders))
    names = np.array(["#" + str(x) for x in orders.number.tolist()], dtype=object)
    has_order = order_of_session >= 0
    order_name = pa.array(
        np.where(has_order, names[np.maximum(order_of_session, 0)] if len(orders) else "", ""),
        mask=~has_order,
    )

    real = ~orders.is_cancelled
    never = np.iinfo(np.int64).max
    first_order = np.full(n, never)
    np.minimum.at(first_order, orders.person[real], orders.created[real])
    converted = first_order < never
    n_orders = np.bincount(orders.person[real], minlength=n)
    n_cancelled = np.bincount(orders.person[orders.is_cancelled], minlength=n)
    # visible journey: sessions up to the first purchase (buyers) or all sessions
    in_journey = (s.kind == JOURNEY) & (
        s.start <= np.where(converted, first_order, never)[s.person]
    )
    bits = np.where(s.channel == 0, 0, 1 << s.channel).astype(np.int64)
    journey_bits = np.zeros(n, dtype=np.int64)
    np.bitwise_or.at(journey_bits, s.person[in_journey], bits[in_journey])
    first_session = np.full(n, -1, dtype=np.int64)
    firsts = np.flatnonzero(np.r_[True, s.person[1:] != s.person[:-1]]) if len(s) else np.zeros(0)
    first_session[s.person[firsts]] = firsts
    acquisition = np.where(first_session >= 0, s.channel[np.maximum(first_session, 0)], -1)
    has_account = np.zeros(n, dtype=bool)
    has_account[s.person[b.signup]] = True

    sizes: dict[str, int] = {}
    persons_table = pa.table(
        {
            "person_id": pa.array(np.arange(1, n + 1)),
            "email": pa.array(persons.email),
            "first_name": pa.array(persons.first_name),
            "last_name": pa.array(persons.last_name),
            "country": pa.array([catalog.COUNTRIES[c].code for c in persons.country.tolist()]),
            "subscriber_id": pa.array(persons.subscriber_id, mask=~persons.subscriber),
            "customer_id": pa.array(persons.customer_id, mask=~has_account),
            "has_account": pa.array(has_account),
            "acquisition_channel": pa.array(
                [CHANNELS[c] if c >= 0 else None for c in acquisition.tolist()], pa.string()
            ),
            "planted_channel_set": _channel_lists(journeys.channel_set),
            "planted_convert_probability": pa.array(journeys.convert_probability),
            "planted_convert": pa.array(journeys.planted_convert),
            "converted": pa.array(converted),
            "journey_channels": _channel_lists(journey_bits),
            "bgnbd_lambda": pa.array(persons.lam),
            "bgnbd_p": pa.array(persons.p_drop),
            "gg_nu": pa.array(persons.nu),
            "n_orders": pa.array(n_orders.astype(np.int64)),
            "n_cancelled_orders": pa.array(n_cancelled.astype(np.int64)),
            "first_order_at": _ts(np.where(converted, first_order, -1)),
        }
    )
    sizes["_truth/persons.parquet"] = _write(persons_table, out / "persons.parquet")

    pairs = (
        np.unique(np.stack([s.device, s.person], axis=1), axis=0) if len(s) else np.zeros((0, 2))
    )
    category = [catalog.DEVICE_PROFILES[p][0] for p in devices.profile[pairs[:, 0]].tolist()]
    devices_table = pa.table(
        {
            "user_pseudo_id": pa.array([user_pseudo_id[d] for d in pairs[:, 0].tolist()]),
            "person_id": pa.array(pairs[:, 1] + 1),
            "shared": pa.array(devices.shared[pairs[:, 0]]),
            "analytics_consent": pa.array(devices.consent[pairs[:, 0]]),
            "category": pa.array(category),
        }
    )
    sizes["_truth/devices.parquet"] = _write(devices_table, out / "devices.parquet")

    traffic = catalog.TRAFFIC
    campaign = [traffic[t][3] for t in s.traffic.tolist()]
    sessions_table = pa.table(
        {
            "user_pseudo_id": pa.array([user_pseudo_id[d] for d in s.device.tolist()]),
            "ga_session_id": pa.array(b.ga_session_id),
            "person_id": pa.array(s.person + 1),
            "session_start": _ts(s.start),
            "kind": pa.array([KINDS[k] for k in s.kind.tolist()]),
            "in_journey": pa.array(in_journey),
            "channel": pa.array([CHANNELS[c] for c in s.channel.tolist()]),
            "source": pa.array([traffic[t][1] for t in s.traffic.tolist()]),
            "medium": pa.array([traffic[t][2] for t in s.traffic.tolist()]),
            "campaign": pa.array(campaign),
            "steps_reached": pa.array(steps),
            "last_step": pa.array([STEP_NAMES[x] for x in steps.tolist()]),
            "is_purchase": pa.array(has_order),
            "order_name": order_name,
            "crosses_midnight": pa.array(last_day > first_day),
            "n_events": pa.array(n_events.astype(np.int64)),
        }
    )
    sizes["_truth/sessions.parquet"] = _write(sessions_table, out / "sessions.parquet")

    orders_table = pa.table(
        {
            "order_name": pa.array(names.tolist(), pa.string()),
            "person_id": pa.array(orders.person + 1),
            "created_at": _ts(orders.created),
            "currency": pa.array(np.where(orders.eur, "EUR", "USD")),
            "total": pa.array(orders.total / 100.0),
            "gross_value_usd": pa.array(np.round(orders.value_usd, 4)),
            "planted_value_usd": pa.array(orders.z_usd),
            "is_cancelled": pa.array(orders.is_cancelled),
            "is_first": pa.array(orders.is_first),
            "financial_status": pa.array([STATUSES[x] for x in orders.status.tolist()]),
            "refunded_amount": pa.array(orders.refunded / 100.0),
        }
    )
    sizes["_truth/orders.parquet"] = _write(orders_table, out / "orders.parquet")
    return sizes


def _write(table: pa.Table, path: Path) -> int:
    pq.write_table(table, path, compression="zstd")
    return path.stat().st_size
