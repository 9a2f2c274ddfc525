"""What happens inside each session: funnel depth (planted truth 4), pages, logins, GA4 counters.

Logins: buyers create an account in their first purchase session with probability 0.55 (a few
non-buyers sign up too); from then on a session of theirs logs in with probability 0.5 unless its
device is already logged in, in which case every event carries user_id. Shared devices never stay
logged in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestration.generator import site
from orchestration.generator.email_sends import Messages, Sends
from orchestration.generator.journeys import JOURNEY, Sessions
from orchestration.generator.people import Devices
from orchestration.generator.truths import EMAIL, PlantedTruths
from orchestration.generator.vec import group_cumsum_exclusive, group_first, group_rank

BOUNCE_SHARE = 0.30
EXTRA_PAGES = 4.0
ENGAGED_SINGLE_PAGE = 0.25
ACCOUNT_AT_FIRST_PURCHASE = 0.55
NON_BUYER_SIGNUP = 0.03
LOGIN_RATE = 0.5
SHARED_LOGIN_RATE = 0.6
LONG_SESSION_PAGES = 8


@dataclass
class Behaviour:
    steps: np.ndarray  # 0 none, 1 view_item, 2 add_to_cart, 3 begin_checkout, 4 payment, 5 bought
    n_pages: np.ndarray  # page views before the funnel pages (landing included)
    engaged: np.ndarray
    signup: np.ndarray
    login: np.ndarray
    user_id_from_start: np.ndarray
    first_visit: np.ndarray
    session_number: np.ndarray
    ga_session_id: np.ndarray  # unix seconds of the session start
    landing: np.ndarray  # page index
    product: np.ndarray  # product index of the funnel's view_item
    cart_qty: np.ndarray
    device_first_start: np.ndarray  # per device: us of its first session (-1 if unused)
    device_first_session: np.ndarray  # per device: index of its first session (-1 if unused)


def simulate(
    rng: np.random.Generator,
    s: Sessions,
    devices: Devices,
    messages: Messages,
    sends: Sends,
    truths: PlantedTruths,
) -> Behaviour:
    n = len(s)
    f = truths.funnel
    steps = np.zeros(n, dtype=np.int64)
    going = np.ones(n, dtype=bool)
    for _, probability in f.steps:
        going &= rng.random(n) < probability
        steps += going
    steps = np.where(s.purchase, 5, steps)

    n_pages = np.where(rng.random(n) < BOUNCE_SHARE, 1, 2 + rng.poisson(EXTRA_PAGES, n))
    n_pages = np.where(s.purchase, np.maximum(n_pages, 2), n_pages)
    n_pages = np.where(s.force_long, np.maximum(n_pages, LONG_SESSION_PAGES), n_pages)

    # accounts and logins
    n_persons = int(s.person.max()) + 1 if n else 0
    first_purchase = s.purchase & (s.kind == JOURNEY)
    signup = first_purchase & (rng.random(n) < ACCOUNT_AT_FIRST_PURCHASE)
    buyer = np.zeros(n_persons, dtype=bool)
    buyer[s.person[first_purchase]] = True
    last_of_person = np.ones(n, dtype=bool)
    last_of_person[:-1] = s.person[1:] != s.person[:-1]
    signup |= last_of_person & ~buyer[s.person] & (rng.random(n) < NON_BUYER_SIGNUP)
    account_at = np.full(n_persons, np.iinfo(np.int64).max, dtype=np.int64)
    account_at[s.person[signup]] = s.start[signup]

    by_device = np.lexsort((s.start, s.device))
    dev = s.device[by_device]
    shared = devices.shared[dev]
    eligible = s.start[by_device] > account_at[s.person[by_device]]
    draw = rng.random(n) < np.where(shared, SHARED_LOGIN_RATE, LOGIN_RATE)
    g = ((eligible & draw) | signup[by_device]) & ~shared
    logged_before = group_cumsum_exclusive(g.astype(np.int64), dev) > 0
    login_d = eligible & draw & ~logged_before & ~signup[by_device]
    from_start_d = eligible & logged_before
    rank = group_rank(dev)
    login = np.zeros(n, dtype=bool)
    from_start = np.zeros(n, dtype=bool)
    session_number = np.zeros(n, dtype=np.int64)
    login[by_device] = login_d
    from_start[by_device] = from_start_d
    session_number[by_device] = rank + 1
    first_visit = session_number == 1
    firsts = by_device[group_first(dev)]
    device_first_start = np.full(devices.n, -1, dtype=np.int64)
    device_first_session = np.full(devices.n, -1, dtype=np.int64)
    device_first_start[s.device[firsts]] = s.start[firsts]
    device_first_session[s.device[firsts]] = firsts

    engaged = (
        (n_pages >= 2)
        | (steps >= 1)
        | s.lead
        | login
        | signup
        | (rng.random(n) < ENGAGED_SINGLE_PAGE)
    )
    landing = site.landing_pages(rng, s.channel)
    email = (s.channel == EMAIL) & (s.send >= 0)
    landing[email] = message_pages(messages)[sends.message[s.send[email]]]
    product = rng.integers(0, site.N_PRODUCTS, n)
    on_product = (landing >= site.FIRST_PRODUCT) & (landing < site.FIRST_PRODUCT + site.N_PRODUCTS)
    product = np.where(on_product, landing - site.FIRST_PRODUCT, product)
    cart_qty = np.where(rng.random(n) < 0.85, 1, 2)
    return Behaviour(
        steps=steps,
        n_pages=n_pages,
        engaged=engaged,
        signup=signup,
        login=login,
        user_id_from_start=from_start,
        first_visit=first_visit,
        session_number=session_number,
        ga_session_id=s.start // 1_000_000,
        landing=landing,
        product=product,
        cart_qty=cart_qty,
        device_first_start=device_first_start,
        device_first_session=device_first_session,
    )


def message_pages(messages: Messages) -> np.ndarray:
    """Page index each email message links to."""
    return np.array([site.PAGE_OF_PATH[p] for p in messages.path], dtype=np.int64)
