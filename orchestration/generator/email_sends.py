"""Email marketing simulation: campaigns twice a week, the Welcome Series and Abandoned Cart flows.

A send is one message to one subscriber (sent, then delivered or bounced, maybe opened,
unsubscribed or marked as spam). Clicks are not drawn here: every Email-channel web session is a
click on a delivered send of that person (see ``link`` and ``relocate``), so each click row has a
landing session with the same ``_kx`` subscriber id a few seconds later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from orchestration.generator import catalog
from orchestration.generator.clock import DAY, HOUR, MINUTE, US, Clock
from orchestration.generator.people import Persons
from orchestration.generator.vec import expand, random_ids

CAMPAIGN_SLOTS = ((1, 10), (4, 17))  # (weekday, local hour): Tuesday 10:00, Friday 17:00
WELCOME_DELAYS = (2 * MINUTE, 2 * DAY, 5 * DAY)
CART_DELAY = 4 * HOUR
UNSUBSCRIBE_RATE = 0.0045  # per campaign send
SPAM_SHARE = 0.08  # of unsubscribes: marked as spam instead
BOUNCE_RATE = 0.012
LINK_LOOKBACK = 4 * DAY  # a click session links to a send of the last 4 days
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789"


@dataclass
class Messages:
    campaign_id: list[str]  # '' for flow messages
    name: list[str]
    flow_id: list[str]  # '' for campaigns
    flow_name: list[str]
    utm_campaign: list[str]
    path: list[str]  # landing path of the email's main link
    welcome: tuple[int, ...]  # message indices of the Welcome Series
    cart: int  # message index of Abandoned Cart


@dataclass
class Sends:
    person: np.ndarray
    message: np.ndarray
    sent_at: np.ndarray
    delivered: np.ndarray
    opened_at: np.ndarray  # -1 when not opened
    unsub_at: np.ndarray  # -1 unless this send led to an unsubscribe
    spam: np.ndarray  # the unsubscribe was a spam complaint

    def __len__(self) -> int:
        return int(self.person.size)


def make_messages(rng: np.random.Generator, clock: Clock) -> tuple[Messages, np.ndarray]:
    """Campaign and flow messages; returns them and the campaigns' scheduled send times (us)."""
    names, ids, paths, slugs, times = [], [], [], [], []
    for day in range(clock.days):
        when = clock.start + timedelta(days=day)
        for weekday, hour in CAMPAIGN_SLOTS:
            if when.weekday() != weekday:
                continue
            theme = catalog.EMAIL_THEMES[len(names) % len(catalog.EMAIL_THEMES)]
            names.append(f"{when:%Y-%m-%d} {theme}")
            slugs.append(f"{theme.lower().replace(' ', '_')}_{when:%Y%m%d}")
            target = rng.integers(0, len(catalog.COLLECTIONS) + 3)
            paths.append(
                f"/collections/{catalog.COLLECTIONS[target]}"
                if target < len(catalog.COLLECTIONS)
                else f"/products/{catalog.PRODUCTS[rng.integers(0, len(catalog.PRODUCTS))][1]}"
            )
            local = clock.local_start + day * DAY + hour * HOUR
            times.append(int(clock.to_utc(np.array([local]))[0]))
    ids = random_ids(rng, len(names) + 2, 6, ALNUM)
    flow_ids = ids[len(names) :]
    n_camp = len(names)
    flows = [
        ("Welcome Series", flow_ids[0], "Welcome 1: Thanks for joining", "welcome_series_1", "/"),
        (
            "Welcome Series",
            flow_ids[0],
            "Welcome 2: Our bestsellers",
            "welcome_series_2",
            "/collections/jackets",
        ),
        (
            "Welcome Series",
            flow_ids[0],
            "Welcome 3: 10% off your first order",
            "welcome_series_3",
            "/collections/fleece",
        ),
        (
            "Abandoned Cart",
            flow_ids[1],
            "Abandoned Cart 1: Still thinking it over?",
            "abandoned_cart_1",
            "/cart",
        ),
    ]
    messages = Messages(
        campaign_id=ids[:n_camp] + [""] * len(flows),
        name=names + [f[2] for f in flows],
        flow_id=[""] * n_camp + [f[1] for f in flows],
        flow_name=[""] * n_camp + [f[0] for f in flows],
        utm_campaign=slugs + [f[3] for f in flows],
        path=paths + [f[4] for f in flows],
        welcome=(n_camp, n_camp + 1, n_camp + 2),
        cart=n_camp + 3,
    )
    return messages, np.array(times, dtype=np.int64)


def subscription_times(
    persons: Persons, arrival: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """When each subscriber joined the list (us); new subscribers join during their first visit."""
    joined = arrival + (rng.uniform(30, 300, persons.n) * US).astype(np.int64)
    out = np.where(persons.existing_subscriber, persons.existing_since, joined)
    return np.where(persons.subscriber, out, np.iinfo(np.int64).max)


def make_sends(
    rng: np.random.Generator,
    persons: Persons,
    messages: Messages,
    campaign_times: np.ndarray,
    joined: np.ndarray,
    clock: Clock,
) -> Sends:
    subs = np.flatnonzero(persons.subscriber)
    n_camp = campaign_times.size
    first = np.searchsorted(campaign_times, joined[subs], side="right")
    available = n_camp - first
    until_unsub = rng.geometric(UNSUBSCRIBE_RATE, subs.size)
    count = np.minimum(available, until_unsub)
    owner, k = expand(count)
    c_person = subs[owner]
    c_message = first[owner] + k
    c_sent = campaign_times[c_message] + (rng.uniform(0, 600, owner.size) * US).astype(np.int64)
    c_unsub = k + 1 == until_unsub[owner]

    new = subs[(~persons.existing_subscriber[subs]) & (joined[subs] >= clock.t_start)]
    w_owner, w_k = expand(np.full(new.size, len(WELCOME_DELAYS)))
    w_person = new[w_owner]
    w_message = np.asarray(messages.welcome)[w_k]
    w_sent = joined[w_person] + np.asarray(WELCOME_DELAYS)[w_k]

    person = np.concatenate([c_person, w_person])
    message = np.concatenate([c_message, w_message])
    sent = np.concatenate([c_sent, w_sent])
    unsub = np.concatenate([c_unsub, np.zeros(w_person.size, dtype=bool)])
    keep = sent < clock.t_end - 10 * MINUTE
    sends = _outcomes(rng, persons, person[keep], message[keep], sent[keep], unsub[keep], clock)
    return sort_sends(sends)


def _outcomes(
    rng: np.random.Generator,
    persons: Persons,
    person: np.ndarray,
    message: np.ndarray,
    sent: np.ndarray,
    unsub: np.ndarray,
    clock: Clock,
) -> Sends:
    n = person.size
    delivered = rng.random(n) >= BOUNCE_RATE
    proxy = persons.privacy_proxy[person]
    opens = delivered & (proxy | (rng.random(n) < persons.open_propensity[person]))
    delay = np.where(
        proxy, rng.uniform(60, 900, n), np.minimum(rng.exponential(4 * 3600, n), 3 * 86400)
    )
    opened_at = np.where(opens, sent + (delay * US).astype(np.int64), -1)
    opened_at = np.where(opened_at < clock.t_end, opened_at, -1)
    unsub = unsub & delivered
    unsub_at = np.where(
        unsub,
        np.maximum(opened_at, sent) + (rng.exponential(1800, n) * US).astype(np.int64) + US,
        -1,
    )
    unsub_at = np.where(unsub_at < clock.t_end, unsub_at, -1)
    spam = (unsub_at >= 0) & (rng.random(n) < SPAM_SHARE)
    return Sends(person, message, sent, delivered, opened_at, unsub_at, spam)


def sort_sends(sends: Sends) -> Sends:
    order = np.lexsort((sends.message, sends.sent_at, sends.person))
    return Sends(*(getattr(sends, f)[order] for f in Sends.__dataclass_fields__))


def concat_sends(a: Sends, b: Sends) -> Sends:
    return sort_sends(
        Sends(*(np.concatenate([getattr(a, f), getattr(b, f)]) for f in Sends.__dataclass_fields__))
    )


def cart_sends(
    rng: np.random.Generator,
    persons: Persons,
    messages: Messages,
    person: np.ndarray,
    session_start: np.ndarray,
    clock: Clock,
    joined: np.ndarray,
) -> Sends:
    """Abandoned Cart emails 4 h after carting sessions of subscribers (at most one per 3 days)."""
    send = session_start + CART_DELAY
    ok = persons.subscriber[person] & (joined[person] < session_start) & (send < clock.t_end)
    person, send = person[ok], send[ok]
    order = np.lexsort((send, person))
    person, send = person[order], send[order]
    prev_same = np.zeros(person.size, dtype=bool)
    prev_same[1:] = (person[1:] == person[:-1]) & (send[1:] - send[:-1] < 3 * DAY)
    person, send = person[~prev_same], send[~prev_same]
    unsub = np.zeros(person.size, dtype=bool)
    message = np.full(person.size, messages.cart, dtype=np.int64)
    return _outcomes(rng, persons, person, message, send, unsub, clock)


def _keys(person: np.ndarray, t: np.ndarray, clock: Clock) -> np.ndarray:
    seconds = np.clip((t - clock.t_start) // US + 1000 * 86400, 0, 2**32 - 1)
    return person.astype(np.int64) * 2**32 + seconds


def latest_delivered(
    sends: Sends, person: np.ndarray, t: np.ndarray, clock: Clock
) -> tuple[np.ndarray, np.ndarray]:
    """Index of each person's latest delivered send at or before ``t`` (-1 if none), and the next."""
    none = np.full(person.size, -1, dtype=np.int64)
    idx_all = np.flatnonzero(sends.delivered)
    if idx_all.size == 0:
        return none, none.copy()
    keys = _keys(sends.person[idx_all], sends.sent_at[idx_all], clock)
    pos = np.searchsorted(keys, _keys(person, t, clock), side="right") - 1
    prev = idx_all[np.maximum(pos, 0)]
    nxt = idx_all[np.minimum(pos + 1, idx_all.size - 1)]
    latest = np.where((pos >= 0) & (sends.person[prev] == person), prev, -1)
    following = np.where((pos + 1 < idx_all.size) & (sends.person[nxt] == person), nxt, -1)
    return latest, following


def relocate(
    rng: np.random.Generator, sends: Sends, person: np.ndarray, t: np.ndarray, clock: Clock
) -> tuple[np.ndarray, np.ndarray]:
    """Journey email sessions: move each to a few hours after the person's latest delivered send
    (or the next one when none came before). Returns (send index or -1, new session start)."""
    latest, following = latest_delivered(sends, person, t, clock)
    chosen = np.where(latest >= 0, latest, following)
    delay = (np.minimum(rng.exponential(5 * 3600, person.size), 40 * 3600) + 120) * US
    new_t = np.where(chosen >= 0, sends.sent_at[np.maximum(chosen, 0)] + delay.astype(np.int64), t)
    bad = (chosen < 0) | (new_t >= clock.t_end)
    return np.where(bad, -1, chosen), np.where(bad, t, new_t)


def link(sends: Sends, person: np.ndarray, t: np.ndarray, clock: Clock) -> np.ndarray:
    """Send index a session at ``t`` was clicked from (latest delivered send of the last 4 days)."""
    latest, _ = latest_delivered(sends, person, t - MINUTE, clock)
    ok = (latest >= 0) & (t - sends.sent_at[np.maximum(latest, 0)] <= LINK_LOOKBACK)
    return np.where(ok, latest, -1)
