"""The planted A/B test (``truths.Experiment``, truths.py item 5) on the finished GA4 rows.

``plant`` runs after every other GA4 value was drawn (duplicates and late events included) and only
adds: the experiment params on the exposure rows (homepage page_views of every device, their
duplicates too) and one new ``select_promotion`` row per converting device, a copy of one of its
homepage page_view rows (same session, timestamp, day and late flag). All its draws come from its
own stream ``np.random.default_rng([seed, rng_stream])``, three per device in device order, so no
other stream is consumed and every other generated value stays the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.generator import ga4_events as ev
from orchestration.generator import site
from orchestration.generator.ga4_table import Ga4Rows
from orchestration.generator.truths import Experiment

NO_VARIANT, CONTROL, TREATMENT = -1, 0, 1


@dataclass
class Assignment:
    """Per device: the drawn variant and, for exposed devices, exposure and conversion."""

    treatment: np.ndarray  # assigned treatment (else control)
    exposed: np.ndarray  # viewed the homepage in the data
    first_exposed: np.ndarray  # first homepage page_view, us UTC (-1: not exposed)
    converted: np.ndarray  # has a select_promotion conversion
    converted_at: np.ndarray  # its timestamp, us UTC (-1: none)


def plant(
    rows: Ga4Rows, seed: int, n_devices: int, experiment: Experiment
) -> tuple[Ga4Rows, Assignment]:
    """``rows`` with the experiment planted (params and conversion rows), and the assignment.

    Plants in place: each of the rows' arrays is replaced in turn, so no second copy of them all
    is ever held."""
    rng = np.random.default_rng([seed, experiment.rng_stream])
    treatment = rng.random(n_devices) < experiment.treatment_share
    convert_draw = rng.random(n_devices)
    pick_draw = rng.random(n_devices)

    k = rows.skeleton
    device = rows.world.sessions.device[k.session]
    home = site.PAGE_OF_PATH[experiment.exposure_page_path]
    exposure = (k.name == ev.PAGE_VIEW) & (k.page == home)
    # distinct exposure events (a duplicate row repeats its original), by device and time
    candidates = np.flatnonzero(exposure)
    _, first_of_event = np.unique(
        np.stack([k.session[candidates], k.ts[candidates]], axis=1), axis=0, return_index=True
    )
    events = candidates[first_of_event]
    events = events[np.lexsort((k.ts[events], device[events]))]
    event_device = device[events]
    count = np.bincount(event_device, minlength=n_devices)
    start = np.cumsum(count) - count
    exposed = count > 0
    first_exposed = np.full(n_devices, -1, dtype=np.int64)
    first_exposed[exposed] = k.ts[events[start[exposed]]]
    rate = np.where(treatment, experiment.treatment_rate, experiment.control_rate)
    converted = exposed & (convert_draw < rate)
    chosen = events[start[converted] + (pick_draw[converted] * count[converted]).astype(np.int64)]
    converted_at = np.full(n_devices, -1, dtype=np.int64)
    converted_at[converted] = k.ts[chosen]

    variant = np.where(exposure, treatment[device].astype(np.int8), NO_VARIANT).astype(np.int8)
    del device, exposure, candidates
    # new rows after the existing ones of the same timestamp; the existing rows keep their order
    order = np.argsort(np.concatenate([k.ts, k.ts[chosen]]), kind="stable")

    def merged(values: np.ndarray) -> np.ndarray:
        return np.concatenate([values, values[chosen]])[order]

    # one array at a time, in place: the rows are the largest thing the generator holds
    for field in ev.Skeleton.__dataclass_fields__:
        setattr(k, field, merged(getattr(k, field)))
    new_rows = np.flatnonzero(order >= len(order) - chosen.size)
    k.name[new_rows] = ev.SELECT_PROMOTION
    k.landing[new_rows] = False  # plain page URL, no campaign data
    k.engagement_ms[new_rows] = 0
    for field in ("ref_page", "ref_landing", "position", "server_offset", "day", "late"):
        setattr(rows, field, merged(getattr(rows, field)))
    rows.variant = merged(variant)
    return rows, Assignment(treatment, exposed, first_exposed, converted, converted_at)


def write_truth(
    out: Path,
    assignment: Assignment,
    user_pseudo_id: list[str],
    consent: np.ndarray,
    experiment: Experiment,
) -> dict[str, int]:
    """``_truth/experiment_users.parquet``: one row per exposed device (both exports' events)."""
    exposed = np.flatnonzero(assignment.exposed)
    labels = np.array([experiment.control, experiment.treatment], dtype=object)

    def ts(us: np.ndarray) -> pa.Array:
        return pa.array(us, pa.int64(), mask=us < 0).cast(pa.timestamp("us"))

    table = pa.table(
        {
            "user_pseudo_id": pa.array([user_pseudo_id[d] for d in exposed.tolist()], pa.string()),
            "experiment_id": pa.array([experiment.experiment_id] * exposed.size, pa.string()),
            "variant": pa.array(labels[assignment.treatment[exposed].astype(np.int64)].tolist()),
            "analytics_consent": pa.array(consent[exposed]),
            "first_exposed_at": ts(assignment.first_exposed[exposed]),
            "converted": pa.array(assignment.converted[exposed]),
            "converted_at": ts(assignment.converted_at[exposed]),
        }
    )
    path = out / "experiment_users.parquet"
    pq.write_table(table, path, compression="zstd")
    return {"_truth/experiment_users.parquet": path.stat().st_size}
