"""Sessions of every person: the journey to a first purchase, then repeat purchases and browsing.

Journey: a person arrives on a uniform random day, then returns ``Poisson(1.8)`` more times with
exponential gaps (mean 3.5 days) while the window lasts. The first session's channel is the
acquisition channel; later ones keep it with probability 0.35, else follow a return mix. Email
sessions are clicks on the person's delivered emails. Conversion is decided from the journey's
channel set (planted truth 3) and happens in its last session. Buyers then repeat-purchase by the
planted BG/NBD process, browse a few more times and some place one extra order that gets cancelled.
Finally sessions of one person are spaced at least 2 h apart (no overlapping sessions on a device)
and a few isolated sessions are placed just before local midnight so that they cross it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from orchestration.generator import catalog
from orchestration.generator import email_sends as em
from orchestration.generator.clock import DAY, HOUR, MINUTE, US, Clock
from orchestration.generator.people import Persons
from orchestration.generator.truths import CHANNELS, DIRECT, EMAIL, PlantedTruths
from orchestration.generator.vec import choice, expand, group_cummax, group_first, group_rank

EXTRA_JOURNEY_SESSIONS = 1.8
JOURNEY_GAP_DAYS = 3.5
STICKINESS = 0.35
# channel weights in CHANNELS order: Direct, OrgSearch, PaidSearch, OrgSocial, PaidSocial,
# Display, Email, Referral
ACQUISITION_MIX = (0.16, 0.28, 0.16, 0.08, 0.12, 0.08, 0.04, 0.08)
RETURN_MIX = (0.28, 0.18, 0.12, 0.05, 0.07, 0.06, 0.18, 0.06)
REPEAT_MIX = (0.35, 0.18, 0.12, 0.0, 0.05, 0.0, 0.25, 0.05)
BROWSE_AFTER_PURCHASE = 1.2
BROWSE_GAP_DAYS = 8.0
SESSION_SPACING = 2 * HOUR
MIDNIGHT_SHARE = 0.002
SHARED_DEVICE_USE = 0.3
SHARED_DEVICE_EMAIL_USE = 0.8
SECOND_DEVICE_USE = 0.35

JOURNEY, REPEAT, BROWSE, CANCELLED = range(4)


@dataclass
class Sessions:
    person: np.ndarray
    start: np.ndarray  # us UTC
    channel: np.ndarray
    traffic: np.ndarray  # index into catalog.TRAFFIC
    kind: np.ndarray  # JOURNEY / REPEAT / BROWSE / CANCELLED
    purchase: np.ndarray
    send: np.ndarray  # clicked email send (-1)
    lead: np.ndarray  # joins the email list in this session (generate_lead)
    device: np.ndarray
    force_long: np.ndarray  # placed before midnight: made long enough to cross it

    def __len__(self) -> int:
        return int(self.person.size)

    def take(self, idx: np.ndarray) -> Sessions:
        return Sessions(*(getattr(self, f.name)[idx] for f in fields(self)))

    @staticmethod
    def concat(parts: list[Sessions]) -> Sessions:
        return Sessions(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Sessions))
        )


@dataclass
class Journeys:
    sessions: Sessions
    sends: em.Sends
    joined: np.ndarray  # us subscription time per person (int64 max if never)
    channel_set: np.ndarray  # bitmask of journey channels per person (bit c = CHANNELS[c])
    planted_convert: np.ndarray
    convert_probability: np.ndarray


def draw_times(rng: np.random.Generator, clock: Clock, day_float: np.ndarray) -> np.ndarray:
    """UTC instants on local day ``floor(day_float)`` at a time of day from the diurnal curve."""
    day = np.floor(day_float).astype(np.int64)
    hour = choice(rng, catalog.HOUR_WEIGHTS, day.size)
    seconds = hour * 3600 + rng.uniform(0, 3600, day.size)
    local = clock.local_start + day * DAY + (seconds * US).astype(np.int64)
    return np.maximum(clock.to_utc(local), clock.t_start)


def _mix(rng: np.random.Generator, weights: tuple[float, ...], n: int, email_ok: np.ndarray):
    channel = choice(rng, weights, n)
    return np.where((channel == EMAIL) & ~email_ok, DIRECT, channel)


def _traffic(rng: np.random.Generator, channel: np.ndarray) -> np.ndarray:
    rows = np.array([t[0] for t in catalog.TRAFFIC])
    weights = np.array([t[-1] for t in catalog.TRAFFIC])
    out = np.zeros(channel.size, dtype=np.int64)
    for c in range(len(CHANNELS)):
        mask = channel == c
        idx = np.flatnonzero(rows == c)
        out[mask] = idx[choice(rng, weights[idx], int(mask.sum()))]
    return out


def _blank(person: np.ndarray, start: np.ndarray, channel: np.ndarray, kind: int) -> Sessions:
    n = person.size
    return Sessions(
        person=person,
        start=start,
        channel=channel,
        traffic=np.zeros(n, dtype=np.int64),
        kind=np.full(n, kind, dtype=np.int64),
        purchase=np.zeros(n, dtype=bool),
        send=np.full(n, -1, dtype=np.int64),
        lead=np.zeros(n, dtype=bool),
        device=np.zeros(n, dtype=np.int64),
        force_long=np.zeros(n, dtype=bool),
    )


def simulate(
    rng: np.random.Generator,
    persons: Persons,
    clock: Clock,
    truths: PlantedTruths,
    messages: em.Messages,
    campaign_times: np.ndarray,
) -> Journeys:
    n = persons.n
    arrival_day = rng.uniform(0, clock.days, n)
    has_shared = persons.devices[:, 2] >= 0
    extra = rng.poisson(EXTRA_JOURNEY_SESSIONS, n) + has_shared
    owner, j = expand(1 + extra)
    gaps = np.where(j == 0, 0.0, rng.exponential(JOURNEY_GAP_DAYS, owner.size))
    day_f = arrival_day[owner] + _cumsum_by(gaps, owner)
    keep = day_f < clock.days
    owner, j, day_f = owner[keep], j[keep], day_f[keep]
    start = draw_times(rng, clock, day_f)
    arrival = np.zeros(n, dtype=np.int64)
    arrival[owner[j == 0]] = start[j == 0]

    joined = em.subscription_times(persons, arrival, rng)
    sends = em.make_sends(rng, persons, messages, campaign_times, joined, clock)

    journey = _blank(owner, start, np.zeros(owner.size, dtype=np.int64), JOURNEY)
    journey.lead = (j == 0) & persons.subscriber[owner] & ~persons.existing_subscriber[owner]
    journey = journey.take(np.lexsort((journey.start, journey.person)))
    first = group_first(journey.person)
    acq = _mix(rng, ACQUISITION_MIX, n, persons.existing_subscriber)
    later = _mix(rng, RETURN_MIX, len(journey), persons.subscriber[journey.person])
    sticky = rng.random(len(journey)) < STICKINESS
    journey.channel = np.where(first | sticky, acq[journey.person], later)
    # people with a family computer read (and click) their newsletters there
    family_email = has_shared[journey.person] & ~first & (rng.random(len(journey)) < 0.5)
    journey.channel[family_email] = EMAIL
    is_email = np.flatnonzero(journey.channel == EMAIL)
    send, moved = em.relocate(rng, sends, journey.person[is_email], journey.start[is_email], clock)
    journey.send[is_email] = send
    journey.start[is_email] = moved
    journey.channel[is_email[send < 0]] = DIRECT
    journey = journey.take(np.lexsort((journey.start, journey.person)))

    # planted truth 3: conversion from the journey's channel set
    bits = np.where(journey.channel == DIRECT, 0, 1 << journey.channel).astype(np.int64)
    channel_set = np.zeros(n, dtype=np.int64)
    np.bitwise_or.at(channel_set, journey.person, bits)
    keep_prob = np.full(n, 1.0 - truths.channels.base)
    for c, name in enumerate(CHANNELS):
        has = (channel_set >> c) & 1 == 1
        keep_prob = np.where(has, keep_prob * (1.0 - truths.channels.lift(name)), keep_prob)
    probability = 1.0 - keep_prob
    convert = rng.random(n) < probability
    last = np.ones(len(journey), dtype=bool)
    last[:-1] = journey.person[:-1] != journey.person[1:]
    journey.purchase = last & convert[journey.person]

    buyers = journey.person[journey.purchase]
    t0 = journey.start[journey.purchase]
    post = _after_first_purchase(rng, persons, clock, truths, sends, buyers, t0)
    sessions = Sessions.concat([journey, post])
    sessions.traffic = _traffic(rng, sessions.channel)
    sessions.device = _devices(rng, persons, sessions.person, sessions.channel)
    sessions = _place_before_midnight(rng, clock, sessions)
    sessions = _space(sessions)
    sessions = _resolve_shared(sessions, persons)
    sessions = sessions.take(np.flatnonzero(sessions.start < clock.t_end))
    sessions = sessions.take(np.lexsort((sessions.start, sessions.person)))
    return Journeys(sessions, sends, joined, channel_set, convert, probability)


def _cumsum_by(values: np.ndarray, owner: np.ndarray) -> np.ndarray:
    total = np.cumsum(values)
    first = group_first(owner)
    base = np.maximum.accumulate(np.where(first, np.arange(values.size), 0))
    return total - total[base] + values[base]


def _after_first_purchase(
    rng: np.random.Generator,
    persons: Persons,
    clock: Clock,
    truths: PlantedTruths,
    sends: em.Sends,
    buyers: np.ndarray,
    t0: np.ndarray,
) -> Sessions:
    # planted truth 1: BG/NBD repeat purchases, continuous time in days from the first purchase
    rep_person, rep_time = [], []
    t = t0.astype(np.float64)
    alive = np.ones(buyers.size, dtype=bool)
    lam, p_drop = persons.lam[buyers], persons.p_drop[buyers]
    while alive.any():
        t = t + rng.exponential(1.0, buyers.size) / lam * DAY
        alive &= t < clock.t_end
        rep_person.append(buyers[alive])
        rep_time.append(t[alive].astype(np.int64))
        alive &= rng.random(buyers.size) >= p_drop
    r_person = np.concatenate(rep_person) if rep_person else np.zeros(0, dtype=np.int64)
    r_start = np.concatenate(rep_time) if rep_time else np.zeros(0, dtype=np.int64)
    ok = np.ones(r_person.size, dtype=bool)
    repeat = _blank(r_person, r_start, _mix(rng, REPEAT_MIX, r_person.size, ok), REPEAT)
    repeat.purchase[:] = True

    counts = rng.poisson(BROWSE_AFTER_PURCHASE, buyers.size)
    owner, _ = expand(counts)
    gaps = rng.exponential(BROWSE_GAP_DAYS, owner.size)
    day0 = (clock.local(t0) - clock.local_start) / DAY
    day_f = day0[owner] + _cumsum_by(gaps, owner)
    inside = day_f < clock.days
    owner, day_f = owner[inside], day_f[inside]
    b_person = buyers[owner]
    b_start = np.maximum(draw_times(rng, clock, day_f), t0[owner] + HOUR)
    email_ok = np.ones(b_person.size, dtype=bool)
    browse = _blank(b_person, b_start, _mix(rng, RETURN_MIX, b_person.size, email_ok), BROWSE)

    cancel = rng.random(buyers.size) < truths.cancelled_order_share
    c_t0 = t0[cancel]
    c_start = c_t0 + HOUR + (rng.random(c_t0.size) * np.maximum(clock.t_end - c_t0 - HOUR, 0))
    cancelled = _blank(
        buyers[cancel],
        c_start.astype(np.int64),
        _mix(rng, REPEAT_MIX, c_t0.size, np.ones(c_t0.size, dtype=bool)),
        CANCELLED,
    )
    cancelled.purchase[:] = True

    post = Sessions.concat([repeat, browse, cancelled])
    post.channel = np.where(
        (post.channel == EMAIL) & ~persons.subscriber[post.person], DIRECT, post.channel
    )
    is_email = np.flatnonzero(post.channel == EMAIL)
    send = em.link(sends, post.person[is_email], post.start[is_email], clock)
    post.send[is_email] = send
    post.channel[is_email[send < 0]] = DIRECT
    return post


def _devices(
    rng: np.random.Generator, persons: Persons, person: np.ndarray, channel: np.ndarray
) -> np.ndarray:
    """Device of each session; people with a shared (family) computer read their email on it."""
    own = persons.devices[person]
    u = rng.random(person.size)
    v = rng.random(person.size)
    device = np.where((own[:, 1] >= 0) & (v < SECOND_DEVICE_USE), own[:, 1], own[:, 0])
    shared_use = np.where(channel == EMAIL, SHARED_DEVICE_EMAIL_USE, SHARED_DEVICE_USE)
    return np.where((own[:, 2] >= 0) & (u < shared_use), own[:, 2], device)


def _place_before_midnight(rng: np.random.Generator, clock: Clock, s: Sessions) -> Sessions:
    """Move a few isolated journey sessions to 23:51-23:58 local (made long in behaviour)."""
    order = np.lexsort((s.start, s.person))
    s = s.take(order)
    day = clock.day_index(s.start)
    prev_gap = np.full(len(s), np.inf)
    next_gap = np.full(len(s), np.inf)
    same = s.person[1:] == s.person[:-1]
    gap = (s.start[1:] - s.start[:-1]).astype(np.float64)
    prev_gap[1:] = np.where(same, gap, np.inf)
    next_gap[:-1] = np.where(same, gap, np.inf)
    candidate = (
        (s.kind == JOURNEY)
        & ~s.purchase
        & ~s.lead
        & (s.channel != EMAIL)
        & (group_rank(s.person) > 0)
        & (day < clock.days - 1)
        & (prev_gap > 1.5 * DAY)
        & (next_gap > 1.5 * DAY)
    )
    pool = np.flatnonzero(candidate)
    k = min(pool.size, max(3, int(MIDNIGHT_SHARE * len(s))))
    chosen = np.sort(rng.choice(pool, size=k, replace=False)) if k else pool[:0]
    midnight = clock.local_midnight_utc(day[chosen] + 1)
    s.start[chosen] = midnight - (rng.uniform(2, 9, k) * MINUTE).astype(np.int64)
    s.force_long[chosen] = True
    return s


def _space(s: Sessions) -> Sessions:
    """Push sessions later so one person's session starts are at least SESSION_SPACING apart."""
    s = s.take(np.lexsort((s.start, s.person)))
    k = group_rank(s.person).astype(np.float64)
    base = int(s.start.min()) if len(s) else 0
    seconds = (s.start - base) / US
    gap = SESSION_SPACING / US
    spaced = k * gap + group_cummax(seconds - k * gap, s.person)
    s.start = np.maximum(s.start, base + np.ceil(spaced * US).astype(np.int64))
    return s


def _resolve_shared(s: Sessions, persons: Persons) -> Sessions:
    """Sessions of different people on one shared device must not overlap: keep a shared-device
    session only if it starts SESSION_SPACING after the device's previous kept one, else move it to
    the person's own first device."""
    shared_ids = np.unique(persons.devices[:, 2][persons.devices[:, 2] >= 0])
    idx = np.flatnonzero(np.isin(s.device, shared_ids))
    idx = idx[np.lexsort((s.start[idx], s.device[idx]))]
    last_device, last_start = -1, 0
    for i in idx.tolist():  # shared-device sessions are a small minority
        if s.device[i] == last_device and s.start[i] < last_start + SESSION_SPACING:
            s.device[i] = persons.devices[s.person[i], 0]
            continue
        last_device, last_start = int(s.device[i]), int(s.start[i])
    return s
