"""Daily marketing spend (``spend/spend.csv``) of the paid campaigns.

Clicks follow the paid sessions the campaign brought that day (ad clicks exceed landed sessions
by 5-30%), cost is clicks x the campaign's CPC with noise, impressions clicks / CTR with noise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from orchestration.generator import catalog
from orchestration.generator.clock import DAY, Clock
from orchestration.generator.csv_out import DATE, MONEY, TEXT, write_csv
from orchestration.generator.journeys import Sessions


def write(path: Path, rng: np.random.Generator, s: Sessions, clock: Clock) -> tuple[int, int]:
    day = clock.day_index(s.start)
    key = {(t[1], t[2], t[3]): i for i, t in enumerate(catalog.TRAFFIC)}
    campaigns = catalog.PAID_CAMPAIGNS
    n_c, n_d = len(campaigns), clock.days
    traffic_of = np.array([key[(c[0], c[1], c[2])] for c in campaigns])
    sessions = np.zeros((n_c, n_d), dtype=np.int64)
    for c, tr in enumerate(traffic_of.tolist()):
        mask = (s.traffic == tr) & (day >= 0) & (day < n_d)
        sessions[c] = np.bincount(day[mask], minlength=n_d)
    clicks = np.round(sessions * rng.uniform(1.05, 1.3, sessions.shape)) + rng.poisson(
        1.0, sessions.shape
    )
    cpc = np.array([c[3] for c in campaigns])[:, None]
    ctr = np.array([c[4] for c in campaigns])[:, None]
    cost = np.round(clicks * cpc * rng.lognormal(0, 0.1, sessions.shape) * 100).astype(np.int64)
    impressions = np.round(
        np.maximum(clicks, 1) / ctr * rng.lognormal(0, 0.15, sessions.shape)
    ).astype(np.int64)
    c_idx, d_idx = np.meshgrid(np.arange(n_c), np.arange(n_d), indexing="ij")
    order = np.lexsort((c_idx.ravel(), d_idx.ravel()))
    c_flat, d_flat = c_idx.ravel()[order], d_idx.ravel()[order]
    dates = clock.local_start + d_flat * DAY
    columns = [
        ("Date", pa.array(dates), DATE),
        ("Source", [campaigns[c][0] for c in c_flat.tolist()], TEXT),
        ("Medium", [campaigns[c][1] for c in c_flat.tolist()], TEXT),
        ("Campaign", [campaigns[c][2] for c in c_flat.tolist()], TEXT),
        ("Cost", pa.array(cost.ravel()[order]), MONEY),
        ("Currency", np.full(c_flat.size, "USD"), TEXT),
        ("Impressions", pa.array(impressions.ravel()[order]), TEXT),
        ("Clicks", pa.array(clicks.ravel()[order].astype(np.int64)), TEXT),
    ]
    return int(c_flat.size), write_csv(path, columns)
