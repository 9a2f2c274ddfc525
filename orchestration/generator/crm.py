"""HubSpot-style CRM exports: ``crm/contacts.csv``, ``crm/deals.csv``, ``crm/nps_responses.csv``.

Contacts are the email subscribers, buyers, account holders and B2B leads (a wholesale form on the
site). Lifecycle stages follow behaviour: buyers are ``customer``, NPS promoters (9-10) often
``evangelist``, subscribers who never bought ``subscriber``, B2B leads ``lead`` ..
``opportunity`` by their deal. Emails are messy the way CRM data is (stray spaces, upper case).
Timestamps are UTC, ``2024-03-01 10:15``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from orchestration.generator import catalog
from orchestration.generator.clock import DAY, HOUR, MINUTE, Clock
from orchestration.generator.csv_out import HUBSPOT_TIME, MONEY, TEXT, write_csv
from orchestration.generator.journeys import Sessions
from orchestration.generator.orders import Orders
from orchestration.generator.people import Persons
from orchestration.generator.vec import choice

B2B_LEAD_SHARE = 0.015
SURVEY_AFTER = 14 * DAY
SURVEY_RESPONSE = 0.3
EVANGELIST_SHARE = 0.6
NPS_WEIGHTS = (2, 1, 1, 2, 2, 4, 6, 12, 18, 24, 28)  # scores 0..10
ORIGINAL_SOURCE = (
    "DIRECT_TRAFFIC",
    "ORGANIC_SEARCH",
    "PAID_SEARCH",
    "SOCIAL_MEDIA",
    "PAID_SOCIAL",
    "OTHER_CAMPAIGNS",
    "EMAIL_MARKETING",
    "REFERRALS",
)
DEAL_STAGES = (
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
)
DEAL_STAGE_WEIGHTS = (0.2, 0.2, 0.15, 0.1, 0.1, 0.12, 0.13)
CLOSED_WON, CLOSED_LOST = 5, 6
COMMENTS = {
    "detractor": ("Delivery took too long.", "The jacket ran small.", "Refund was slow."),
    "passive": ("Good quality, a bit pricey.", "Fine overall.", "Nice gear, shipping ok."),
    "promoter": (
        "Love the merino layers!",
        "Great service, will order again.",
        "Best outdoor shop I know.",
    ),
}


@dataclass
class Crm:
    contact: np.ndarray  # person is a contact
    lifecycle: list[str]  # per person ('' for non-contacts)
    nps_person: np.ndarray
    nps_at: np.ndarray
    nps_score: np.ndarray


def messy(rng: np.random.Generator, emails: list[str], share: float = 0.03) -> list[str]:
    """Emails as a CRM holds them: some with stray spaces, some upper case."""
    u = rng.random(len(emails))
    out = []
    for e, x in zip(emails, u.tolist(), strict=True):
        if x < share:
            out.append(f" {e}" if x < share / 2 else f"{e} ")
        elif x < 2 * share:
            out.append(e[0].upper() + e[1:] if x < 1.5 * share else e.upper())
        else:
            out.append(e)
    return out


def b2b_leads(rng: np.random.Generator, s: Sessions, n_persons: int) -> np.ndarray:
    """Session index of each person's wholesale inquiry (-1 for most people)."""
    lead = rng.random(n_persons) < B2B_LEAD_SHARE
    pick = rng.random(len(s))
    order = np.lexsort((pick, s.person))
    first = np.ones(len(s), dtype=bool)
    first[1:] = s.person[order][1:] != s.person[order][:-1]
    form = np.full(n_persons, -1, dtype=np.int64)
    form[s.person[order][first]] = order[first]
    return np.where(lead, form, -1)


def write(
    out: Path,
    rng: np.random.Generator,
    persons: Persons,
    s: Sessions,
    orders: Orders,
    signup_at: np.ndarray,
    joined: np.ndarray,
    form_session: np.ndarray,
    acquisition: np.ndarray,
    clock: Clock,
) -> tuple[Crm, dict[str, tuple[int, int]]]:
    n = persons.n
    never = np.iinfo(np.int64).max
    real = ~orders.is_cancelled
    first_order = np.full(n, never)
    np.minimum.at(first_order, orders.person[real], orders.created[real])
    buyer = first_order < never
    b2b = form_session >= 0
    form_at = np.where(b2b, s.start[np.maximum(form_session, 0)] + 3 * MINUTE, never)

    # NPS survey 14 days after the first order
    survey = first_order + SURVEY_AFTER
    answered = buyer & (survey < clock.t_end) & (rng.random(n) < SURVEY_RESPONSE)
    nps_at = survey + (rng.uniform(0.1, 72, n) * HOUR).astype(np.int64)
    answered &= nps_at < clock.t_end
    nps_person = np.flatnonzero(answered)
    nps_at = nps_at[nps_person]
    score = choice(rng, NPS_WEIGHTS, nps_person.size)
    promoter = np.zeros(n, dtype=bool)
    promoter[nps_person[score >= 9]] = True

    # deals of B2B leads
    has_deal = b2b & (rng.random(n) < 0.6)
    deal_person = np.flatnonzero(has_deal)
    deal_created = form_at[deal_person] + (rng.uniform(1, 5, deal_person.size) * DAY).astype(
        np.int64
    )
    ok = deal_created < clock.t_end
    deal_person, deal_created = deal_person[ok], deal_created[ok]
    stage = choice(rng, DEAL_STAGE_WEIGHTS, deal_person.size)
    close = deal_created + (rng.uniform(5, 30, deal_person.size) * DAY).astype(np.int64)
    closed = (stage == CLOSED_WON) | (stage == CLOSED_LOST)
    stage = np.where(closed & (close >= clock.t_end), 3, stage)
    closed = (stage == CLOSED_WON) | (stage == CLOSED_LOST)
    won = np.zeros(n, dtype=bool)
    won[deal_person[stage == CLOSED_WON]] = True
    open_deal = np.zeros(n, dtype=bool)
    open_deal[deal_person[~closed]] = True

    account = signup_at < never
    contact = persons.subscriber | buyer | account | b2b
    created = np.minimum.reduce(
        [
            np.where(persons.subscriber, joined, never),
            first_order,
            np.where(account, signup_at, never),
            form_at,
        ]
    )
    created = np.where(contact, created, never)
    b2b_stage = choice(rng, (0.3, 0.4, 0.3), n)
    lifecycle = np.full(n, "", dtype=object)
    lifecycle[contact] = "lead"
    lifecycle[persons.subscriber] = "subscriber"
    lifecycle[b2b] = np.array(["lead", "marketingqualifiedlead", "salesqualifiedlead"])[
        b2b_stage[b2b]
    ]
    lifecycle[open_deal] = "opportunity"
    lifecycle[buyer | won] = "customer"
    lifecycle[promoter & (rng.random(n) < EVANGELIST_SHARE)] = "evangelist"
    lifecycle[contact & (rng.random(n) < 0.01) & ~buyer] = "other"

    people = np.flatnonzero(contact)
    people = people[np.lexsort((people, created[people]))]
    record_id = 51_000 + np.cumsum(rng.integers(1, 250, people.size))
    record_of = np.full(n, -1, dtype=np.int64)
    record_of[people] = record_id
    last_activity = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_activity, s.person, s.start)
    last_activity = np.where(rng.random(n) < 0.1, -1, last_activity)
    last_activity = np.where(last_activity >= created, last_activity, -1)
    emails = messy(rng, [persons.email[p] for p in people.tolist()])
    # a few contacts entered by sales without an email (never buyers or subscribers)
    no_email = (rng.random(people.size) < 0.2) & ~buyer[people] & ~persons.subscriber[people]
    no_email &= b2b[people] & ~has_deal[people]  # a deal's contact always has its email
    lead_status = np.where(
        np.isin(lifecycle[people], ["lead", "marketingqualifiedlead", "salesqualifiedlead"]),
        np.array(["NEW", "OPEN", "IN_PROGRESS", "CONNECTED"])[rng.integers(0, 4, people.size)],
        "",
    )
    phone = _phones(rng, persons, people)
    became = np.where(buyer, first_order, -1)
    won_at = np.full(n, -1, dtype=np.int64)
    won_at[deal_person[stage == CLOSED_WON]] = close[stage == CLOSED_WON]
    became = np.where((became < 0) & won, won_at, became)
    traffic = catalog.TRAFFIC
    drill = [traffic[acquisition[p]][1] if acquisition[p] >= 0 else "" for p in people.tolist()]
    channel = np.array(
        [traffic[max(acquisition[p], 0)][0] for p in people.tolist()], dtype=np.int64
    )
    original = np.array(ORIGINAL_SOURCE)[channel]
    drill = [("" if d == "(direct)" else d) for d in drill]
    columns = [
        ("Record ID", pa.array(record_id), TEXT),
        ("First Name", [persons.first_name[p] for p in people.tolist()], TEXT),
        ("Last Name", [persons.last_name[p] for p in people.tolist()], TEXT),
        ("Email", pa.array(emails, mask=no_email), TEXT),
        ("Phone Number", pa.array(phone, mask=[x == "" for x in phone]), TEXT),
        ("Lifecycle Stage", pa.array(lifecycle[people].tolist()), TEXT),
        ("Lead Status", pa.array(lead_status, mask=lead_status == ""), TEXT),
        ("Create Date", pa.array(created[people]), HUBSPOT_TIME),
        (
            "Last Activity Date",
            pa.array(last_activity[people], mask=last_activity[people] < 0),
            HUBSPOT_TIME,
        ),
        ("Original Source", pa.array(original), TEXT),
        ("Original Source Drill-Down 1", pa.array(drill, mask=[d == "" for d in drill]), TEXT),
        ("Became a Customer Date", pa.array(became[people], mask=became[people] < 0), HUBSPOT_TIME),
        (
            "Marketing contact status",
            np.where(persons.subscriber[people], "Marketing contact", "Non-marketing contact"),
            TEXT,
        ),
        ("Contact owner", pa.array(np.full(people.size, "Sales Team"), mask=~b2b[people]), TEXT),
        (
            "City",
            [
                catalog.COUNTRIES[persons.country[p]].cities[persons.city[p]][0]
                for p in people.tolist()
            ],
            TEXT,
        ),
        (
            "Country/Region",
            [catalog.COUNTRIES[persons.country[p]].name for p in people.tolist()],
            TEXT,
        ),
    ]
    sizes = {"crm/contacts.csv": (people.size, write_csv(out / "contacts.csv", columns))}

    # deals
    order = np.argsort(deal_created, kind="stable")
    deal_person, deal_created, stage, close = (
        deal_person[order],
        deal_created[order],
        stage[order],
        close[order],
    )
    deal_id = 9_100_000 + np.cumsum(rng.integers(1, 90, deal_person.size))
    amount = np.round(rng.uniform(800, 12_000, deal_person.size) / 50) * 5000
    contact_email = [persons.email[p] for p in deal_person.tolist()]
    associated = [
        f"{persons.first_name[p]} {persons.last_name[p]} ({e})"
        for p, e in zip(deal_person.tolist(), contact_email, strict=True)
    ]
    deal_names = [f"{persons.last_name[p]} Outdoor Club - Team order" for p in deal_person.tolist()]
    columns = [
        ("Record ID", pa.array(deal_id), TEXT),
        ("Deal Name", deal_names, TEXT),
        ("Deal Stage", pa.array(np.array(DEAL_STAGES)[stage]), TEXT),
        ("Amount", pa.array(amount.astype(np.int64)), MONEY),
        ("Create Date", pa.array(deal_created), HUBSPOT_TIME),
        ("Close Date", pa.array(close), HUBSPOT_TIME),
        ("Associated Contact", associated, TEXT),
        ("Pipeline", np.full(deal_person.size, "Wholesale"), TEXT),
    ]
    sizes["crm/deals.csv"] = (deal_person.size, write_csv(out / "deals.csv", columns))

    # NPS responses
    order = np.argsort(nps_at, kind="stable")
    nps_person, nps_at, score = nps_person[order], nps_at[order], score[order]
    group = np.where(score >= 9, "promoter", np.where(score >= 7, "passive", "detractor"))
    pick = rng.integers(0, 3, score.size)
    comment = [COMMENTS[g][i] for g, i in zip(group.tolist(), pick.tolist(), strict=True)]
    with_comment = rng.random(score.size) < 0.4
    columns = [
        ("Email", messy(rng, [persons.email[p] for p in nps_person.tolist()], 0.01), TEXT),
        ("Submitted At", pa.array(nps_at), HUBSPOT_TIME),
        ("Score", pa.array(score.astype(np.int64)), TEXT),
        ("Comment", pa.array(comment, mask=~with_comment), TEXT),
        ("Survey", np.full(score.size, "Post-purchase NPS"), TEXT),
    ]
    sizes["crm/nps_responses.csv"] = (score.size, write_csv(out / "nps_responses.csv", columns))
    crm = Crm(contact, lifecycle.tolist(), nps_person, nps_at, score)
    return crm, sizes


def _phones(rng: np.random.Generator, persons: Persons, people: np.ndarray) -> list[str]:
    has = rng.random(people.size) < 0.35
    digits = rng.integers(1_000_000, 9_999_999, people.size)
    prefix = {
        "US": "+1 555",
        "CA": "+1 555",
        "GB": "+44 20",
        "DE": "+49 30",
        "FR": "+33 1",
        "NL": "+31 20",
        "AT": "+43 1",
        "IT": "+39 02",
        "ES": "+34 91",
    }
    out = []
    for p, h, d in zip(people.tolist(), has.tolist(), digits.tolist(), strict=True):
        code = catalog.COUNTRIES[persons.country[p]].code
        out.append(f"{prefix[code]} {str(d)[:3]} {str(d)[3:]}" if h else "")
    return out
