"""The GA4 event skeleton: which events each session fires, in order, when, and on which page.

Built without per-event Python loops: every session is a fixed sequence of slots (first_visit,
session_start, landing page_view, browsing pairs, lead, login/sign_up, funnel steps, purchase,
closing user_engagement); each slot fires 0..n times per session and its events are scattered to
their positions with ``numpy``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from orchestration.generator import site
from orchestration.generator.behaviour import Behaviour
from orchestration.generator.clock import US
from orchestration.generator.journeys import Sessions
from orchestration.generator.vec import expand, narrow

EVENT_NAMES = (
    "first_visit",
    "session_start",
    "page_view",
    "user_engagement",
    "generate_lead",
    "login",
    "sign_up",
    "view_item",
    "add_to_cart",
    "begin_checkout",
    "add_payment_info",
    "purchase",
    "select_promotion",  # only the planted experiment's conversions (orchestration.generator.experiment)
)
(
    FIRST_VISIT,
    SESSION_START,
    PAGE_VIEW,
    USER_ENGAGEMENT,
    GENERATE_LEAD,
    LOGIN,
    SIGN_UP,
    VIEW_ITEM,
    ADD_TO_CART,
    BEGIN_CHECKOUT,
    ADD_PAYMENT_INFO,
    PURCHASE,
    SELECT_PROMOTION,
) = range(len(EVENT_NAMES))
ECOMMERCE = (VIEW_ITEM, ADD_TO_CART, BEGIN_CHECKOUT, ADD_PAYMENT_INFO, PURCHASE)
FUNNEL_STEP = {VIEW_ITEM: 1, ADD_TO_CART: 2, BEGIN_CHECKOUT: 3, ADD_PAYMENT_INFO: 4, PURCHASE: 5}
MAX_SESSION_SECONDS = 80 * 60
LOGIN_SLOT = 5

# slots in session order: (events of one repetition, page of its page_view)
_SLOTS: tuple[tuple[tuple[int, ...], str], ...] = (
    ((FIRST_VISIT,), "landing"),
    ((SESSION_START,), "landing"),
    ((PAGE_VIEW,), "landing"),
    ((USER_ENGAGEMENT, PAGE_VIEW), "browse"),
    ((GENERATE_LEAD,), ""),
    ((LOGIN,), ""),
    ((SIGN_UP,), ""),
    ((USER_ENGAGEMENT, PAGE_VIEW, VIEW_ITEM), "product"),
    ((ADD_TO_CART,), ""),
    ((USER_ENGAGEMENT, PAGE_VIEW, BEGIN_CHECKOUT), "checkout"),
    ((ADD_PAYMENT_INFO,), ""),
    ((PURCHASE, PAGE_VIEW), "thank_you"),
    ((USER_ENGAGEMENT,), ""),
)
# seconds after the previous event: (low, high) uniform, or exponential dwell for engagement
_DELAY = {
    FIRST_VISIT: (0.0, 0.0),
    SESSION_START: (0.0, 0.0),
    PAGE_VIEW: (0.1, 0.6),
    GENERATE_LEAD: (10.0, 60.0),
    LOGIN: (5.0, 30.0),
    SIGN_UP: (20.0, 90.0),
    VIEW_ITEM: (0.2, 1.5),
    ADD_TO_CART: (5.0, 60.0),
    BEGIN_CHECKOUT: (0.2, 1.0),
    ADD_PAYMENT_INFO: (20.0, 120.0),
    PURCHASE: (10.0, 60.0),
}
DWELL_MEAN = 38.0


@dataclass
class Skeleton:
    session: np.ndarray  # session index per event (events grouped by session, in order)
    name: np.ndarray  # index into EVENT_NAMES
    slot: np.ndarray
    ts: np.ndarray  # us UTC
    page: np.ndarray  # page index
    landing: np.ndarray  # event carries the landing URL (first events of the session)
    engagement_ms: np.ndarray  # user_engagement: focused time on the page before
    has_user_id: np.ndarray

    def __len__(self) -> int:
        return int(self.session.size)

    def take(self, idx: np.ndarray | slice) -> Skeleton:
        return Skeleton(*(getattr(self, f)[idx] for f in Skeleton.__dataclass_fields__))

    def compact(self) -> Skeleton:
        """The same events in smaller integer types, to be held for a whole run (ga4_table.Ga4Rows)."""
        return replace(self, **{f: narrow(getattr(self, f), t) for f, t in _COMPACT.items()})

    def widened(self) -> Skeleton:
        """The types ``build`` makes (int64), for computing on a slice of a compact skeleton."""
        return replace(self, **{f: getattr(self, f).astype(np.int64) for f in _COMPACT})


# session < 2**31 sessions, page < 2**15 pages, engagement_ms < 2**31 ms (24 days)
_COMPACT = {"session": np.int32, "page": np.int16, "engagement_ms": np.int32}


def build(rng: np.random.Generator, s: Sessions, b: Behaviour) -> Skeleton:
    n = len(s)
    counts = [
        b.first_visit.astype(np.int64),
        np.ones(n, dtype=np.int64),
        np.ones(n, dtype=np.int64),
        b.n_pages - 1,
        s.lead.astype(np.int64),
        b.login.astype(np.int64),
        b.signup.astype(np.int64),
        (b.steps >= 1).astype(np.int64),
        (b.steps >= 2).astype(np.int64),
        (b.steps >= 3).astype(np.int64),
        (b.steps >= 4).astype(np.int64),
        (b.steps >= 5).astype(np.int64),
        b.engaged.astype(np.int64),
    ]
    sizes = [len(events) for events, _ in _SLOTS]
    per_session = sum(c * k for c, k in zip(counts, sizes, strict=True))
    session_offset = np.cumsum(per_session) - per_session
    total = int(per_session.sum())
    name = np.zeros(total, dtype=np.int8)
    slot = np.zeros(total, dtype=np.int8)
    page = np.full(total, -1, dtype=np.int64)
    within_offset = np.zeros(n, dtype=np.int64)
    browse_page = None
    for k, ((events, page_kind), c) in enumerate(zip(_SLOTS, counts, strict=True)):
        owner, rep = expand(c)
        base = session_offset[owner] + within_offset[owner] + rep * len(events)
        for j, event in enumerate(events):
            pos = base + j
            name[pos] = event
            slot[pos] = k
            if event == PAGE_VIEW or (page_kind == "landing"):
                if page_kind == "landing":
                    page[pos] = b.landing[owner]
                elif page_kind == "browse":
                    browse_page = site.browse_pages(rng, owner.size)
                    page[pos] = browse_page
                elif page_kind == "product":
                    page[pos] = site.FIRST_PRODUCT + b.product[owner]
                elif page_kind == "checkout":
                    page[pos] = site.CHECKOUT
                elif page_kind == "thank_you":
                    page[pos] = site.THANK_YOU
        within_offset += c * len(events)
    # current page of the other events: the last page_view's (first events: the landing page)
    filled = np.maximum.accumulate(np.where(page >= 0, np.arange(total), 0))
    page = page[filled]

    session = np.repeat(np.arange(n, dtype=np.int64), per_session)
    delay = np.zeros(total)
    for event, (low, high) in _DELAY.items():
        mask = name == event
        delay[mask] = rng.uniform(low, high, int(mask.sum()))
    dwell_mask = name == USER_ENGAGEMENT
    dwell = rng.exponential(DWELL_MEAN, int(dwell_mask.sum())) + 2.0
    long = s.force_long[session[dwell_mask]]
    dwell = np.where(long, np.maximum(dwell, 100.0), dwell)
    delay[dwell_mask] = dwell
    length = np.bincount(session, weights=delay, minlength=n)
    scale = np.where(length > MAX_SESSION_SECONDS, MAX_SESSION_SECONDS / np.maximum(length, 1), 1.0)
    scale = np.where(s.force_long, 1.0, scale)
    delay_us = np.round(delay * scale[session] * US).astype(np.int64)
    cum = np.cumsum(delay_us)
    offset = cum - (cum - delay_us)[session_offset][session]
    ts = s.start[session] + offset

    engagement_ms = np.zeros(total, dtype=np.int64)
    focus = rng.uniform(0.55, 1.0, int(dwell_mask.sum()))
    engagement_ms[dwell_mask] = np.round(delay_us[dwell_mask] / 1000 * focus).astype(np.int64)
    landing = slot <= 2
    has_user_id = b.user_id_from_start[session] | (
        (b.login[session] | b.signup[session]) & (slot >= LOGIN_SLOT)
    )
    return Skeleton(session, name, slot, ts, page, landing, engagement_ms, has_user_id)
