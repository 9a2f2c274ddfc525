"""Persons and their devices: who visits, where from, on what, and their planted parameters.

Each person has one or two own devices; a few shared devices (family/office computers) are used by
several people, so one browser cookie links several emails (the identity over-merge case).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestration.generator import catalog
from orchestration.generator.clock import DAY, Clock
from orchestration.generator.truths import PlantedTruths
from orchestration.generator.vec import choice, random_ids

SUBSCRIBER_SHARE = 0.35  # persons on the email list
EXISTING_SUBSCRIBER_SHARE = 0.55  # of subscribers: joined before the window
SECOND_DEVICE_SHARE = 0.35
SHARED_DEVICE_USERS = (3, 7)  # users per shared device: uniform in [3, 7)
PERSONS_PER_SHARED_DEVICE = 400  # one shared device per this many persons (at least 2)
PRIVACY_PROXY_SHARE = 0.2  # subscribers whose mail client pre-opens every email
ULID = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass
class Persons:
    n: int
    country: np.ndarray
    city: np.ndarray
    first_name: list[str]
    last_name: list[str]
    email: list[str]  # clean, lower case, unique
    subscriber: np.ndarray
    existing_subscriber: np.ndarray
    existing_since: np.ndarray  # us, subscription time of existing subscribers (before window)
    subscriber_id: list[str]  # Klaviyo profile id ('' for non-subscribers)
    customer_id: list[str]  # shop customer id used as GA4 user_id once the person has an account
    privacy_proxy: np.ndarray
    open_propensity: np.ndarray
    lam: np.ndarray  # BG/NBD purchase rate per day
    p_drop: np.ndarray  # BG/NBD dropout probability after each repeat purchase
    nu: np.ndarray  # Gamma-Gamma spend rate
    devices: np.ndarray  # (n, 3) device indices: own, own second (-1), shared (-1)


@dataclass
class Devices:
    n: int
    profile: np.ndarray  # index into catalog.DEVICE_PROFILES
    shared: np.ndarray
    consent: np.ndarray  # analytics_storage granted
    cookie: np.ndarray  # random part of user_pseudo_id


def make_people(
    rng: np.random.Generator, n: int, clock: Clock, truths: PlantedTruths
) -> tuple[Persons, Devices]:
    countries = catalog.COUNTRIES
    country = choice(rng, [c.weight for c in countries], n)
    n_cities = np.array([len(c.cities) for c in countries])
    city = (rng.random(n) * n_cities[country]).astype(np.int64)
    first_idx = rng.integers(0, len(catalog.FIRST_NAMES), n)
    last_idx = rng.integers(0, len(catalog.LAST_NAMES), n)
    first = [catalog.FIRST_NAMES[i] for i in first_idx]
    last = [catalog.LAST_NAMES[i] for i in last_idx]
    email = _emails(rng, first, last)

    subscriber = rng.random(n) < SUBSCRIBER_SHARE
    existing = subscriber & (rng.random(n) < EXISTING_SUBSCRIBER_SHARE)
    existing_since = clock.t_start - (rng.uniform(5, 700, n) * DAY).astype(np.int64)
    kx = random_ids(rng, n, 26, ULID)
    subscriber_id = [("01H" + k[3:]) if s else "" for k, s in zip(kx, subscriber, strict=True)]
    cust = 6_800_000_000_000 + np.arange(n, dtype=np.int64) * 1013 + rng.integers(0, 1000, n)
    customer_id = [str(c) for c in cust]

    bg, gg = truths.bgnbd, truths.gamma_gamma
    lam = rng.gamma(bg.r, 1.0 / bg.alpha, n)
    p_drop = rng.beta(bg.a, bg.b, n)
    nu = rng.gamma(gg.q, 1.0 / gg.gamma, n)

    # devices: own first device, optional second, shared devices appended at the end
    second = rng.random(n) < SECOND_DEVICE_SHARE
    n_own = n + int(second.sum())
    devices = np.full((n, 3), -1, dtype=np.int64)
    devices[:, 0] = np.arange(n)
    devices[second, 1] = n + np.arange(int(second.sum()))
    n_shared = max(2, n // PERSONS_PER_SHARED_DEVICE)
    users = rng.integers(SHARED_DEVICE_USERS[0], SHARED_DEVICE_USERS[1], n_shared)
    # shared-device users come from the email list, so the cookie links several emails
    pool = np.flatnonzero(existing)
    if pool.size < users.sum():
        pool = np.arange(n)
    chosen = rng.choice(pool, size=min(int(users.sum()), pool.size), replace=False)
    owner_of = np.repeat(np.arange(n_shared), users)[: chosen.size]
    devices[chosen, 2] = n_own + owner_of

    n_dev = n_own + n_shared
    profile = choice(rng, [p[-1] for p in catalog.DEVICE_PROFILES], n_dev)
    shared = np.zeros(n_dev, dtype=bool)
    shared[n_own:] = True
    consent = rng.random(n_dev) >= truths.no_consent_device_share
    consent[n_own:] = True
    cookie = rng.integers(100_000_000, 2_147_483_647, n_dev)

    persons = Persons(
        n=n,
        country=country,
        city=city,
        first_name=first,
        last_name=last,
        email=email,
        subscriber=subscriber,
        existing_subscriber=existing,
        existing_since=existing_since,
        subscriber_id=subscriber_id,
        customer_id=customer_id,
        privacy_proxy=subscriber & (rng.random(n) < PRIVACY_PROXY_SHARE),
        open_propensity=rng.beta(2.0, 4.0, n),
        lam=lam,
        p_drop=p_drop,
        nu=nu,
        devices=devices,
    )
    return persons, Devices(n_dev, profile, shared, consent, cookie)


def _emails(rng: np.random.Generator, first: list[str], last: list[str]) -> list[str]:
    n = len(first)
    pattern = rng.integers(0, 4, n)
    number = rng.integers(1, 100, n)
    domain = choice(rng, catalog.EMAIL_DOMAIN_WEIGHTS, n)
    out: list[str] = []
    seen: set[str] = set()
    for i in range(n):
        f = first[i].lower()
        la = last[i].lower().replace(" ", "")
        local = (f"{f}.{la}", f"{f}{la}{number[i]}", f"{f[0]}{la}", f"{f}_{la}{number[i]}")[
            pattern[i]
        ]
        address = f"{local}@{catalog.EMAIL_DOMAINS[domain[i]]}"
        if address in seen:
            address = f"{local}.{i}@{catalog.EMAIL_DOMAINS[domain[i]]}"
        seen.add(address)
        out.append(address)
    return out
