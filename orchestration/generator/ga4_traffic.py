"""Per-session traffic strings of GA4: landing URL with utm / gclid / _kx, referrer, source data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from orchestration.generator import catalog, site
from orchestration.generator.behaviour import Behaviour
from orchestration.generator.email_sends import Messages, Sends
from orchestration.generator.journeys import Sessions
from orchestration.generator.people import Persons
from orchestration.generator.truths import DIRECT, EMAIL, PAID_SEARCH, PAID_SOCIAL
from orchestration.generator.vec import random_ids

GCLID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"


@dataclass
class SessionTraffic:
    landing_url: pa.Array
    referrer: pa.Array  # null when none (direct, email)
    source: pa.Array  # null for direct sessions
    medium: pa.Array
    campaign: pa.Array
    term: pa.Array  # null unless paid search
    content: pa.Array  # null unless paid social
    gclid: pa.Array  # null unless paid search
    tagged: np.ndarray  # landing URL carries campaign parameters (collected_traffic_source)
    # GA4 user-level first-touch names (traffic_source): name / medium / source
    ts_name: pa.Array
    ts_medium: pa.Array
    ts_source: pa.Array


def build(
    rng: np.random.Generator,
    s: Sessions,
    b: Behaviour,
    persons: Persons,
    messages: Messages,
    sends: Sends,
) -> SessionTraffic:
    n = len(s)
    rows = catalog.TRAFFIC
    tr = s.traffic
    src = [rows[i][1] for i in tr.tolist()]
    med = [rows[i][2] for i in tr.tolist()]
    camp = [rows[i][3] for i in tr.tolist()]
    ref = [rows[i][4] or None for i in tr.tolist()]
    tagged = np.array([r[5] for r in rows])[tr]
    has_gclid = np.array([r[6] for r in rows])[tr]
    email = s.channel == EMAIL
    for i in np.flatnonzero(email).tolist():
        send = int(s.send[i])
        camp[i] = messages.utm_campaign[int(sends.message[send])]
    term = np.array(catalog.SEARCH_TERMS, dtype=object)[
        rng.integers(0, len(catalog.SEARCH_TERMS), n)
    ]
    content = np.array(catalog.AD_CONTENT, dtype=object)[
        rng.integers(0, len(catalog.AD_CONTENT), n)
    ]
    gclids = random_ids(rng, int(has_gclid.sum()), 40, GCLID_CHARS)
    gclid: list[str | None] = [None] * n
    for i, g in zip(np.flatnonzero(has_gclid).tolist(), gclids, strict=True):
        gclid[i] = "Cj0KCQiA" + g[8:]
    channel = s.channel.tolist()
    landing = b.landing.tolist()
    urls: list[str] = []
    terms: list[str | None] = [None] * n
    contents: list[str | None] = [None] * n
    for i in range(n):
        base = site.URLS[landing[i]]
        if channel[i] == EMAIL:
            sid = persons.subscriber_id[int(s.person[i])]
            urls.append(
                f"{base}?utm_source=klaviyo&utm_medium=email&utm_campaign={camp[i]}&_kx={sid}"
            )
        elif tagged[i]:
            query = f"utm_source={src[i]}&utm_medium={med[i]}&utm_campaign={camp[i]}"
            if channel[i] == PAID_SEARCH:
                terms[i] = term[i]
                query += f"&utm_term={term[i].replace(' ', '+')}&gclid={gclid[i]}"
            elif channel[i] == PAID_SOCIAL:
                contents[i] = content[i]
                query += f"&utm_content={content[i]}"
            urls.append(f"{base}?{query}")
        else:
            urls.append(base)
    direct = s.channel == DIRECT
    name = ["(direct)" if d else c for d, c in zip(direct.tolist(), camp, strict=True)]
    return SessionTraffic(
        landing_url=pa.array(urls, pa.string()),
        referrer=pa.array(ref, pa.string()),
        source=pa.array(src, pa.string(), mask=direct),
        medium=pa.array(med, pa.string(), mask=direct),
        campaign=pa.array(camp, pa.string(), mask=direct),
        term=pa.array(terms, pa.string()),
        content=pa.array(contents, pa.string()),
        gclid=pa.array(gclid, pa.string()),
        tagged=tagged | email,
        ts_name=pa.array(name, pa.string()),
        ts_medium=pa.array(med, pa.string()),
        ts_source=pa.array(src, pa.string()),
    )
