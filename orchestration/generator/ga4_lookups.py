"""Per-entity values of the GA4 rows (orders, people, devices, sessions), built once per run and
taken per event: the simulated world, order names, consent, first-touch traffic, lifetime value,
collected traffic source, geo and device structs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from orchestration.generator import catalog
from orchestration.generator.behaviour import Behaviour
from orchestration.generator.clock import Clock
from orchestration.generator.ga4_traffic import SessionTraffic
from orchestration.generator.journeys import Sessions
from orchestration.generator.orders import Orders
from orchestration.generator.people import Devices, Persons
from orchestration.generator.truths import PlantedTruths


@dataclass
class World:
    sessions: Sessions
    behaviour: Behaviour
    persons: Persons
    devices: Devices
    orders: Orders
    traffic: SessionTraffic
    user_pseudo_id: pa.Array  # per device
    clock: Clock
    truths: PlantedTruths


@dataclass
class Lookups:
    """Per order / person / device / session values, built once and taken per event."""

    order_of_session: np.ndarray
    order_names: pa.Array
    customer_id: pa.Array
    day_labels: pa.Array  # index day + 1
    privacy: pa.Array  # per device
    traffic_source: pa.Array  # per device
    ltv: pa.Array  # per session
    collected: pa.Array  # per session
    geo: pa.Array  # per person
    devices: pa.Array  # per (device profile, country)


def build(w: World) -> Lookups:
    s, b, t = w.sessions, w.behaviour, w.traffic
    order_of_session = np.full(len(s), -1, dtype=np.int64)
    order_of_session[w.orders.session] = np.arange(len(w.orders))
    consent = pa.array(["No", "Yes"]).take(pa.array(w.devices.consent.astype(np.int64)))
    privacy = pa.StructArray.from_arrays(
        [consent, consent, pa.repeat(pa.scalar("No"), w.devices.n)],
        names=["analytics_storage", "ads_storage", "uses_transient_token"],
    )
    first_session = np.maximum(b.device_first_session, 0)
    traffic_source = pa.StructArray.from_arrays(
        [
            t.ts_name.take(first_session),
            t.ts_medium.take(first_session),
            t.ts_source.take(first_session),
        ],
        names=["name", "medium", "source"],
    )
    none = pa.nulls(len(s), pa.string())
    collected = pa.StructArray.from_arrays(
        [none, t.campaign, t.source, t.medium, t.term, t.content, t.gclid, none, none],
        names=[
            "manual_campaign_id",
            "manual_campaign_name",
            "manual_source",
            "manual_medium",
            "manual_term",
            "manual_content",
            "gclid",
            "dclid",
            "srsltid",
        ],
    )
    return Lookups(
        order_of_session=order_of_session,
        order_names=pa.array(["#" + str(x) for x in w.orders.number.tolist()], pa.string()),
        customer_id=pa.array(w.persons.customer_id, pa.string()),
        day_labels=pa.array([w.clock.day_label(i) for i in range(-1, w.clock.days + 1)]),
        privacy=privacy,
        traffic_source=traffic_source,
        ltv=_lifetime_value(w),
        collected=collected,
        geo=_geo_struct(w),
        devices=_device_table(),
    )


def _lifetime_value(w: World) -> pa.Array:
    """Per session: the device's purchase revenue (USD) before the session."""
    s = w.sessions
    revenue = np.zeros(len(s))
    revenue[w.orders.session] = w.orders.value_usd
    order = np.lexsort((s.start, s.device))
    dev = s.device[order]
    cum = np.cumsum(revenue[order])
    before = cum - revenue[order]
    first = np.ones(len(s), dtype=bool)
    first[1:] = dev[1:] != dev[:-1]
    base = np.maximum.accumulate(np.where(first, np.arange(len(s)), 0))
    ltv = np.zeros(len(s))
    ltv[order] = np.round(before - before[base], 2)
    return pa.StructArray.from_arrays(
        [pa.array(ltv), pa.repeat(pa.scalar("USD"), len(s))], names=["revenue", "currency"]
    )


def _device_table() -> pa.Array:
    """One device struct per (device profile, person country) combination: profile x n + country."""
    profiles = catalog.DEVICE_PROFILES
    columns = [pa.array([p[i] for p in profiles]) for i in range(7)]
    language = pa.array([c.language for c in catalog.COUNTRIES])
    n_countries = len(catalog.COUNTRIES)
    p_idx = pa.array(np.repeat(np.arange(len(profiles)), n_countries))
    c_idx = pa.array(np.tile(np.arange(n_countries), len(profiles)))
    m = len(profiles) * n_countries
    web = pa.StructArray.from_arrays(
        [
            columns[5].take(p_idx),
            columns[6].take(p_idx),
            pa.repeat(pa.scalar(catalog.SHOP_HOST), m),
        ],
        names=["browser", "browser_version", "hostname"],
    )
    return pa.StructArray.from_arrays(
        [
            columns[0].take(p_idx),
            columns[1].take(p_idx),
            columns[2].take(p_idx),
            columns[3].take(p_idx),
            columns[4].take(p_idx),
            language.take(c_idx),
            pa.repeat(pa.scalar("No"), m),
            web,
        ],
        names=[
            "category",
            "mobile_brand_name",
            "mobile_model_name",
            "operating_system",
            "operating_system_version",
            "language",
            "is_limited_ad_tracking",
            "web_info",
        ],
    )


def _geo_struct(w: World) -> pa.Array:
    p = w.persons
    countries = catalog.COUNTRIES
    city = [
        countries[c].cities[i][0] for c, i in zip(p.country.tolist(), p.city.tolist(), strict=True)
    ]
    region = [
        countries[c].cities[i][1] for c, i in zip(p.country.tolist(), p.city.tolist(), strict=True)
    ]
    return pa.StructArray.from_arrays(
        [
            pa.array(city),
            pa.array([countries[c].name for c in p.country.tolist()]),
            pa.array([countries[c].continent for c in p.country.tolist()]),
            pa.array(region),
            pa.array([countries[c].sub_continent for c in p.country.tolist()]),
            pa.repeat(pa.scalar("(not set)"), p.n),
        ],
        names=["city", "country", "continent", "region", "sub_continent", "metro"],
    )
