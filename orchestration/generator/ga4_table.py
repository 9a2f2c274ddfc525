"""Assemble GA4 export rows (BigQuery schema, formats.GA4_COLUMNS) as Arrow tables.

Rows are the skeleton's events cut at the window end, plus ~0.2% exact duplicates, sorted by
event_timestamp; ``Ga4Rows.table(lo, hi)`` builds the Arrow table of rows [lo, hi) (one day at a
time keeps memory small). The per-row arrays are held in the smallest integer types that fit and
widened to int64 per slice: at 100M events every byte per row is 100 MB.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.generator import catalog, ga4_lookups, ga4_nested, site
from orchestration.generator import ga4_events as ev
from orchestration.generator.ga4_lookups import Lookups, World
from orchestration.generator.ga4_nested import take
from orchestration.generator.vec import narrow


@dataclass
class Ga4Rows:
    """Export rows sorted by event_timestamp; ``table(lo, hi)`` builds rows [lo, hi) as Arrow."""

    world: World
    lookups: Lookups
    skeleton: ev.Skeleton  # per row (duplicates included)
    ref_page: np.ndarray
    ref_landing: np.ndarray
    position: np.ndarray  # event's position within its session
    server_offset: np.ndarray
    day: np.ndarray  # local day index per row (0 = first day)
    late: np.ndarray  # row arrives late: missing from the last day's first export
    # planted experiment variant per row (-1 none, 0 control, 1 treatment): the row carries the
    # experiment params (orchestration.generator.experiment); None before it is planted
    variant: np.ndarray | None = None

    @property
    def num_rows(self) -> int:
        return len(self.skeleton)

    def table(self, lo: int, hi: int) -> pa.Table:
        part = slice(lo, hi)
        return _table(
            self.world,
            self.lookups,
            self.skeleton.take(part).widened(),
            self.ref_page[part].astype(np.int64),
            self.ref_landing[part],
            self.position[part].astype(np.int64),
            self.day[part].astype(np.int64),
            self.server_offset[part].astype(np.int64),
            None if self.variant is None else self.variant[part],
        )


def _previous_page(k: ev.Skeleton) -> tuple[np.ndarray, np.ndarray]:
    """For each page_view: the previous page_view's page in its session and whether it landed."""
    is_pv = k.name == ev.PAGE_VIEW
    pv_idx = np.where(is_pv, np.arange(len(k)), -1)
    last = np.maximum.accumulate(pv_idx)
    prev = np.empty(len(k), dtype=np.int64)
    prev[0] = -1
    prev[1:] = last[:-1]
    valid = (prev >= 0) & (k.session[np.maximum(prev, 0)] == k.session)
    ref_page = np.where(valid, k.page[np.maximum(prev, 0)], -1)
    ref_landing = valid & k.landing[np.maximum(prev, 0)]
    return ref_page, ref_landing


def rows(rng: np.random.Generator, w: World, skeleton: ev.Skeleton) -> Ga4Rows:
    ref_page, ref_landing = _previous_page(skeleton)
    position = np.arange(len(skeleton)) - np.searchsorted(skeleton.session, skeleton.session)
    keep = skeleton.ts < w.clock.t_end
    dup = rng.random(len(skeleton)) < w.truths.duplicate_event_share
    idx = np.repeat(np.flatnonzero(keep), 1 + dup[keep].astype(np.int64))
    idx = idx[np.argsort(skeleton.ts[idx], kind="stable")]
    k = skeleton.take(idx).compact()
    ref_page, ref_landing = narrow(ref_page[idx], np.int16), ref_landing[idx]
    position = narrow(position[idx], np.int32)
    day = narrow(w.clock.day_index(k.ts), np.int16)
    last_day = day == w.clock.days - 1
    late_draw = rng.random(len(skeleton))[idx] < w.truths.late_event_share
    late = last_day & late_draw & (k.name != ev.PURCHASE)
    offset = narrow(rng.integers(150_000, 2_500_000, len(skeleton))[idx], np.int32)
    return Ga4Rows(w, ga4_lookups.build(w), k, ref_page, ref_landing, position, offset, day, late)


def _table(
    w: World,
    lk: Lookups,
    k: ev.Skeleton,
    ref_page: np.ndarray,
    ref_landing: np.ndarray,
    position: np.ndarray,
    day: np.ndarray,
    server_offset: np.ndarray,
    variant: np.ndarray | None = None,
) -> pa.Table:
    s, b, t = w.sessions, w.behaviour, w.traffic
    n = len(k)
    sess = k.session
    person = s.person[sess]
    device = s.device[sess]
    name = k.name.astype(np.int64)
    is_purchase = name == ev.PURCHASE

    order = lk.order_of_session[sess]
    has_order = order >= 0
    o = np.maximum(order, 0)
    eur = np.array([c.currency == catalog.EU_CURRENCY for c in catalog.COUNTRIES])
    is_eur = eur[w.persons.country[person]]
    currency = pa.array(["USD", "EUR"]).take(pa.array(is_eur.astype(np.int64)))
    fx = np.where(is_eur, w.truths.eur_usd, 1.0)
    purchase_rows = is_purchase & has_order
    total = w.orders.total[o] / 100.0
    usd_total = w.orders.value_usd[o]

    urls = pa.array(site.URLS, pa.string())
    titles = pa.array(site.TITLES, pa.string())
    location = pc.coalesce(take(t.landing_url, sess, k.landing), urls.take(pa.array(k.page)))
    title = titles.take(pa.array(k.page))
    is_pv = name == ev.PAGE_VIEW
    landing_pv = is_pv & k.landing
    inner_ref = pc.coalesce(
        take(t.landing_url, sess, ref_landing), take(urls, np.maximum(ref_page, 0), ref_page >= 0)
    )
    referrer = pc.if_else(pa.array(landing_pv), take(t.referrer, sess), inner_ref)
    referrer_mask = is_pv & pc.is_valid(referrer).to_numpy(zero_copy_only=False)
    engaged = b.engaged[sess] & (name != ev.FIRST_VISIT) & (name != ev.SESSION_START)
    campaign_evt = k.landing & pc.is_valid(t.source).to_numpy(zero_copy_only=False)[sess]
    is_ecom = np.isin(name, ev.ECOMMERCE)

    # item lists: the order's lines on checkout steps of purchase sessions, else one product
    full_cart = has_order & np.isin(name, (ev.BEGIN_CHECKOUT, ev.ADD_PAYMENT_INFO, ev.PURCHASE))
    n_lines = np.bincount(w.orders.line_order, minlength=max(len(w.orders), 1))
    item_count = np.where(is_ecom, np.where(full_cart, n_lines[o], 1), 0)
    line_start = np.cumsum(n_lines) - n_lines
    item_event = np.repeat(np.arange(n), item_count)
    item_rank = np.arange(item_event.size) - np.repeat(
        np.cumsum(item_count) - item_count, item_count
    )
    from_order = full_cart[item_event]
    line = np.where(from_order, line_start[o[item_event]] + item_rank, 0)
    single_from_order = has_order[item_event] & ~from_order  # view_item/add_to_cart: first line
    first_line = line_start[o[item_event]]
    catalog_price = np.array([p[5] for p in catalog.PRODUCTS])
    i_product = np.where(from_order, w.orders.line_product[line], b.product[sess[item_event]])
    i_qty = np.where(
        from_order,
        w.orders.line_qty[line],
        np.where(name[item_event] == ev.VIEW_ITEM, 1, b.cart_qty[sess[item_event]]),
    )
    i_price = np.where(
        from_order,
        w.orders.line_price[line] / 100.0,
        np.where(
            single_from_order,
            w.orders.line_price[first_line] / 100.0,
            np.round(catalog_price[i_product] / fx[item_event], 2),
        ),
    )
    i_variant = np.where(from_order, w.orders.line_variant[line], 0)
    value = np.where(
        purchase_rows,
        total,
        np.round(np.bincount(item_event, weights=i_price * i_qty, minlength=n), 2),
    )

    combo = w.devices.profile[device] * len(catalog.COUNTRIES) + w.persons.country[person]
    params = ga4_nested.params(
        w,
        lk,
        k,
        sess,
        name,
        location,
        title,
        referrer,
        referrer_mask,
        engaged,
        campaign_evt,
        is_ecom,
        currency,
        value,
        purchase_rows,
        o,
        variant,
    )
    items = ga4_nested.items(
        item_count,
        i_product,
        i_variant,
        i_qty,
        i_price,
        fx[item_event],
        is_purchase[item_event],
        w.orders.code[o[item_event]],
    )
    ecommerce = ga4_nested.ecommerce(
        n, is_ecom, purchase_rows, o, w, lk, item_count, i_qty, item_event, total, usd_total, fx
    )

    collected = take(lk.collected, sess, k.landing & t.tagged[sess])
    event_value = pa.array(np.where(purchase_rows, usd_total, 0.0), mask=~purchase_rows)
    columns = {
        "event_date": lk.day_labels.take(pa.array(day + 1)),
        "event_timestamp": pa.array(k.ts),
        "event_name": pa.array(ev.EVENT_NAMES).take(pa.array(name)),
        "event_params": params,
        "event_previous_timestamp": pa.nulls(n, pa.int64()),
        "event_value_in_usd": event_value,
        "event_bundle_sequence_id": pa.array(b.session_number[sess] * 1000 + position + 1),
        "event_server_timestamp_offset": pa.array(server_offset),
        "user_id": take(lk.customer_id, person, k.has_user_id),
        "user_pseudo_id": w.user_pseudo_id.take(pa.array(device)),
        "privacy_info": lk.privacy.take(pa.array(device)),
        "user_properties": ga4_nested.empty_user_properties(n),
        "user_first_touch_timestamp": pa.array(b.device_first_start[device]),
        "user_ltv": lk.ltv.take(pa.array(sess)),
        "device": lk.devices.take(pa.array(combo)),
        "geo": lk.geo.take(pa.array(person)),
        "traffic_source": lk.traffic_source.take(pa.array(device)),
        "stream_id": pa.repeat(pa.scalar(catalog.GA4_STREAM_ID), n),
        "platform": pa.repeat(pa.scalar("WEB"), n),
        "collected_traffic_source": collected,
        "is_active_user": pa.array(b.engaged[sess]),
        "ecommerce": ecommerce,
        "items": items,
    }
    return pa.table(columns)
