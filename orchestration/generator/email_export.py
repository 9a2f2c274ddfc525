"""Klaviyo-style recipient activity export (``email/activity.csv``).

One row per recipient event: sent, delivered or bounced, opened, clicked, unsubscribed,
marked_spam. Clicks come from the Email-channel web sessions: the click happens a few seconds
before the session lands on the clicked URL (which carries ``_kx=<Subscriber ID>``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from orchestration.generator.clock import US
from orchestration.generator.csv_out import ISO_UTC, TEXT, write_csv
from orchestration.generator.email_sends import Messages, Sends
from orchestration.generator.people import Persons

HEADER = (
    "Email",
    "Event",
    "Timestamp",
    "Campaign ID",
    "Campaign Name",
    "Flow ID",
    "Flow Name",
    "URL",
    "Subscriber ID",
)
EVENTS = ("sent", "delivered", "bounced", "opened", "clicked", "unsubscribed", "marked_spam")
SENT, DELIVERED, BOUNCED, OPENED, CLICKED, UNSUBSCRIBED, SPAM = range(len(EVENTS))


def click_times(rng: np.random.Generator, session_start: np.ndarray) -> np.ndarray:
    """The click that opened each email session: 1-6 s before the session starts."""
    return session_start - (rng.uniform(1.0, 6.0, session_start.size) * US).astype(np.int64)


def write(
    path: Path,
    sends: Sends,
    messages: Messages,
    persons: Persons,
    click_send: np.ndarray,
    click_at: np.ndarray,
    click_url: list[str],
    rng: np.random.Generator,
) -> tuple[int, int]:
    """Write the export; returns (rows, bytes)."""
    # a clicked email was opened before the click
    first_click = np.full(len(sends), np.iinfo(np.int64).max)
    np.minimum.at(first_click, click_send, click_at)
    clicked = first_click < np.iinfo(np.int64).max
    delivered_at = sends.sent_at + (rng.uniform(1, 30, len(sends)) * US).astype(np.int64)
    late_open = clicked & ((sends.opened_at < 0) | (sends.opened_at > first_click))
    gap = np.maximum(first_click - delivered_at, 2 * US)
    forced_open = delivered_at + (gap * rng.uniform(0.2, 0.9, len(sends))).astype(np.int64)
    opened_at = np.where(late_open, forced_open, sends.opened_at)

    delivered = np.flatnonzero(sends.delivered)
    bounced = np.flatnonzero(~sends.delivered)
    opened = np.flatnonzero(opened_at >= 0)
    unsub = np.flatnonzero(sends.unsub_at >= 0)
    everything = np.arange(len(sends))
    send_idx = [everything, delivered, bounced, opened, click_send, unsub]
    event = [
        np.full(everything.size, SENT),
        np.full(delivered.size, DELIVERED),
        np.full(bounced.size, BOUNCED),
        np.full(opened.size, OPENED),
        np.full(click_send.size, CLICKED),
        np.where(sends.spam[unsub], SPAM, UNSUBSCRIBED),
    ]
    when = [
        sends.sent_at,
        delivered_at[delivered],
        delivered_at[bounced],
        opened_at[opened],
        click_at,
        sends.unsub_at[unsub],
    ]
    url_rows = np.full(sum(x.size for x in send_idx), -1, dtype=np.int64)
    start = sum(x.size for x in send_idx[:4])
    url_rows[start : start + click_send.size] = np.arange(click_send.size)

    idx = np.concatenate(send_idx)
    ev = np.concatenate(event)
    ts = np.concatenate(when)
    order = np.lexsort((ev, sends.person[idx], ts))
    idx, ev, ts, url_rows = idx[order], ev[order], ts[order], url_rows[order]

    person = sends.person[idx]
    message = sends.message[idx]
    emails = pa.array(persons.email).take(pa.array(person))
    sub_ids = pa.array(persons.subscriber_id).take(pa.array(person))
    urls = pa.array(click_url, pa.string()).take(pa.array(url_rows, mask=url_rows < 0))
    nullable = lambda values: pa.array(values, mask=[v == "" for v in values])  # noqa: E731
    columns = [
        ("Email", emails, TEXT),
        ("Event", pa.array(list(EVENTS)).take(pa.array(ev)), TEXT),
        ("Timestamp", pa.array(ts), ISO_UTC),
        ("Campaign ID", nullable(messages.campaign_id).take(pa.array(message)), TEXT),
        ("Campaign Name", pa.array(messages.name).take(pa.array(message)), TEXT),
        ("Flow ID", nullable(messages.flow_id).take(pa.array(message)), TEXT),
        ("Flow Name", nullable(messages.flow_name).take(pa.array(message)), TEXT),
        ("URL", urls, TEXT),
        ("Subscriber ID", sub_ids, TEXT),
    ]
    return int(idx.size), write_csv(path, columns)
