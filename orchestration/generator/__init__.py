"""Sample-export generator: a simulated online shop's GA4, CRM, email, order and spend exports.

``generate(out_dir, customers, days, seed)`` writes vendor-format files (see SPEC section 2 and
``orchestration.loaders.formats``) plus ground truth in ``_truth/``; ``planted_truths()`` returns the
known parameters the data follows (see ``orchestration.generator.truths``). Same arguments give
byte-identical files.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

from orchestration.generator import (
    behaviour,
    crm,
    email_export,
    email_sends,
    experiment,
    ga4_events,
    ga4_table,
    ga4_traffic,
    ga4_write,
    generic_orders,
    journeys,
    orders,
    orders_export,
    spend,
    truth_out,
)
from orchestration.generator.clock import MINUTE, Clock
from orchestration.generator.people import Persons, make_people
from orchestration.generator.truths import EMAIL, PlantedTruths, planted_truths
from orchestration.progress import Stopwatch, size_text

__all__ = ["GenerationSummary", "PlantedTruths", "generate", "planted_truths"]

DEFAULT_START = date(2024, 1, 1)
OUTPUT_FOLDERS = (
    "ga4",
    "crm",
    "email",
    "orders",
    "generic_orders",
    "spend",
    "redelivery",
    "_truth",
)


@dataclass
class GenerationSummary:
    out_dir: Path
    customers: int
    days: int
    seed: int
    start: date
    ga4_format: str
    rows: dict[str, int] = field(default_factory=dict)  # data rows per source/table
    files: dict[str, int] = field(default_factory=dict)  # bytes per written file (relative path)
    ga4_events: int = 0  # rows in DIR/ga4 (last day: first export, without late events)
    ga4_late_events: int = 0  # last-day events only in the re-export (DIR/redelivery)
    bytes_written: int = 0
    seconds: float = 0.0


def _prepare(out_dir: Path) -> None:
    """Clear a previous generator output; refuse to mix into a folder of other exports."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ours = [out_dir / name for name in OUTPUT_FOLDERS if (out_dir / name).exists()]
    if ours and not (out_dir / "_truth").is_dir():
        raise FileExistsError(
            f"{out_dir} already holds exports not written by the generator ({ours[0].name}/); "
            "choose an empty or new folder"
        )
    for path in ours:
        shutil.rmtree(path)
    (out_dir / "_truth").mkdir()  # marks the folder as generator output from the start


def generate(
    out_dir: Path,
    customers: int,
    days: int,
    seed: int,
    start: date | None = None,
    ga4_format: str = "json",
    plant_experiment: bool = True,
) -> GenerationSummary:
    """Write a complete sample landing folder into ``out_dir`` and return what was written.

    Reports progress (each phase, each GA4 day file, each CSV) through orchestration.progress.

    ``plant_experiment=False`` leaves the planted A/B test out (truths.py item 5): every file but
    the GA4 exports and ``_truth/experiment_users.parquet`` is the same either way."""
    began = time.perf_counter()
    step = Stopwatch()
    if customers < 1 or days < 1:
        raise ValueError("customers and days must be at least 1")
    if ga4_format not in ga4_write.FORMATS:
        raise ValueError(f"ga4_format must be one of {ga4_write.FORMATS}, not {ga4_format!r}")
    out_dir = Path(out_dir)
    start = start or DEFAULT_START
    _prepare(out_dir)
    truths = planted_truths()
    clock = Clock.build(start, days, truths.time_zone)
    streams = [
        np.random.Generator(np.random.PCG64(c)) for c in np.random.SeedSequence(seed).spawn(16)
    ]

    persons, devices = make_people(streams[0], customers, clock, truths)
    messages, campaign_times = email_sends.make_messages(streams[1], clock)
    world = journeys.simulate(streams[2], persons, clock, truths, messages, campaign_times)
    s = world.sessions
    step(f"simulated {customers:,} customers: {len(s):,} sessions over {days} days")
    form_session = crm.b2b_leads(streams[3], s, persons.n)
    s.lead[form_session[form_session >= 0]] = True
    b = behaviour.simulate(streams[4], s, devices, messages, world.sends, truths)
    sends = _abandoned_carts(streams[5], world, persons, messages, b, clock)
    world.sends = sends
    message_page = behaviour.message_pages(messages)
    email = (s.channel == EMAIL) & (s.send >= 0)
    b.landing[email] = message_page[sends.message[s.send[email]]]

    skeleton = ga4_events.build(streams[6], s, b)
    order_table = orders.build(
        streams[7], s, b.product, skeleton, persons, world.joined, clock, truths
    )
    skeleton = skeleton.compact()  # held to the end (truth_out), beside the rows' own copy
    traffic = ga4_traffic.build(streams[8], s, b, persons, messages, sends)
    first_seconds = np.maximum(b.device_first_start, 0) // 1_000_000
    pseudo = [
        f"{c}.{t}" for c, t in zip(devices.cookie.tolist(), first_seconds.tolist(), strict=True)
    ]
    ga4_world = ga4_table.World(
        s, b, persons, devices, order_table, traffic, pa.array(pseudo, pa.string()), clock, truths
    )
    rows = ga4_table.rows(streams[9], ga4_world, skeleton)
    # the planted A/B test: its own random stream, only adds params and select_promotion rows
    assignment = None
    if plant_experiment:
        rows, assignment = experiment.plant(rows, seed, devices.n, truths.experiment)
    step(f"built {rows.num_rows:,} GA4 events; writing {days} daily files")
    summary = GenerationSummary(out_dir, customers, days, seed, start, ga4_format)

    def wrote_ga4(relative: str, n_rows: int, size: int) -> None:
        step(f"{relative}: {n_rows:,} events, {size_text(size)}")

    summary.files.update(ga4_write.write(rows, clock, out_dir, ga4_format, on_file=wrote_ga4))
    summary.ga4_events = int(rows.num_rows - rows.late.sum())
    summary.ga4_late_events = int(rows.late.sum())
    summary.rows["ga4"] = summary.ga4_events
    del rows

    clicked = np.flatnonzero(email)
    click_at = email_export.click_times(streams[10], s.start[clicked])
    click_url = traffic.landing_url.take(pa.array(clicked)).to_pylist()
    n_rows, size = email_export.write(
        out_dir / "email" / "activity.csv",
        sends,
        messages,
        persons,
        s.send[clicked],
        click_at,
        click_url,
        streams[11],
    )
    summary.rows["email/activity.csv"] = n_rows
    summary.files["email/activity.csv"] = size
    _wrote(step, summary, "email/activity.csv")

    size = orders_export.write(
        out_dir / "orders" / "orders_export.csv", streams[12], order_table, persons, clock
    )
    summary.rows["orders/orders_export.csv"] = int(order_table.line_order.size)
    summary.rows["orders"] = len(order_table)
    summary.files["orders/orders_export.csv"] = size
    _wrote(step, summary, "orders/orders_export.csv")

    acquisition = _acquisition_traffic(s, persons.n)
    _, crm_sizes = crm.write(
        out_dir / "crm",
        streams[13],
        persons,
        s,
        order_table,
        _signup_times(s, b, persons.n),
        world.joined,
        form_session,
        acquisition,
        clock,
    )
    for path, (n_rows, size) in crm_sizes.items():
        summary.rows[path] = n_rows
        summary.files[path] = size
        _wrote(step, summary, path)

    n_rows, size = generic_orders.write(
        out_dir / "generic_orders" / "marketplace_orders.csv", streams[15], persons, clock
    )
    summary.rows["generic_orders/marketplace_orders.csv"] = n_rows
    summary.files["generic_orders/marketplace_orders.csv"] = size
    _wrote(step, summary, "generic_orders/marketplace_orders.csv")

    n_rows, size = spend.write(out_dir / "spend" / "spend.csv", streams[14], s, clock)
    summary.rows["spend/spend.csv"] = n_rows
    summary.files["spend/spend.csv"] = size
    _wrote(step, summary, "spend/spend.csv")

    summary.files.update(
        truth_out.write(
            out_dir / "_truth", persons, devices, world, b, skeleton, order_table, pseudo, clock
        )
    )
    if assignment is not None:
        summary.files.update(
            experiment.write_truth(
                out_dir / "_truth", assignment, pseudo, devices.consent, truths.experiment
            )
        )
    step("_truth/: ground truth written")
    summary.bytes_written = sum(summary.files.values())
    summary.seconds = time.perf_counter() - began
    return summary


def _wrote(step: Stopwatch, summary: GenerationSummary, path: str) -> None:
    step(f"{path}: {summary.rows[path]:,} rows, {size_text(summary.files[path])}")


def _abandoned_carts(
    rng: np.random.Generator,
    world: journeys.Journeys,
    persons: Persons,
    messages: email_sends.Messages,
    b: behaviour.Behaviour,
    clock: Clock,
) -> email_sends.Sends:
    """Append Abandoned Cart sends; an email session after one is a click on it (relinked)."""
    s = world.sessions
    carted = (b.steps >= 2) & (b.steps <= 4)
    cart = email_sends.cart_sends(
        rng, persons, messages, s.person[carted], s.start[carted], clock, world.joined
    )
    base = len(world.sends)
    latest, _ = email_sends.latest_delivered(cart, s.person, s.start - MINUTE, clock)
    email = (s.channel == EMAIL) & (s.send >= 0)
    current = world.sends.sent_at[np.maximum(s.send, 0)]
    newer = email & (latest >= 0) & (cart.sent_at[np.maximum(latest, 0)] > current)
    newer &= s.start - cart.sent_at[np.maximum(latest, 0)] <= email_sends.LINK_LOOKBACK
    s.send[newer] = base + latest[newer]
    return email_sends.Sends(
        *(
            np.concatenate([getattr(world.sends, f), getattr(cart, f)])
            for f in email_sends.Sends.__dataclass_fields__
        )
    )


def _acquisition_traffic(s: journeys.Sessions, n: int) -> np.ndarray:
    first = np.ones(len(s), dtype=bool)
    first[1:] = s.person[1:] != s.person[:-1]
    out = np.full(n, -1, dtype=np.int64)
    out[s.person[first]] = s.traffic[first]
    return out


def _signup_times(s: journeys.Sessions, b: behaviour.Behaviour, n: int) -> np.ndarray:
    out = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    out[s.person[b.signup]] = s.start[b.signup]
    return out
