"""Right to erasure: tombstones, the loader filter they drive, and `journey forget`.

A tombstone is a salted hash (hex sha256 of var email_hash_salt followed by the normalised value,
the formula of the marts' email_hash) of one identifier of a forgotten person: their emails, GA4
user_pseudo_ids and user_ids, order references, CRM contact ids, generic-shop customer ids and
email-platform subscriber ids, as the identity graph (intermediate.int_identity__identifiers) and the
raw rows linked to the email know them. Tombstones live in raw.tombstones and, append-only, in the
ledger `<working file stem>.tombstones.csv` next to the working file (hashes only), from which a
rebuilt working file is re-seeded.

One definition, MATCHERS, says which identifier of which raw column a row carries. `forget` deletes
every raw row matching a tombstone; the loaders call `withhold_tombstoned` on every file before its
rows are inserted, so re-delivering an old export does not bring the person back (the manifest
notes how many rows were withheld).
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.config import email_hash_salt, marts_file
from orchestration.loaders.sql import quote_literal

TOMBSTONES = "raw.tombstones"
TOMBSTONES_DDL = f"""
CREATE TABLE IF NOT EXISTS {TOMBSTONES} (
  kind VARCHAR NOT NULL,          -- email | user_pseudo_id | user_id | order | crm_contact | generic_customer | subscriber_id
  value_hash VARCHAR NOT NULL,    -- hex sha256(salt || normalised value)
  salt_id VARCHAR NOT NULL,       -- which salt hashed it (see salt_id())
  request_hash VARCHAR NOT NULL,  -- value_hash of the email whose erasure was requested
  created_at TIMESTAMP NOT NULL   -- UTC
)
"""
LEDGER_FIELDS = ("kind", "value_hash", "salt_id", "request_hash", "created_at")


def _email(column: str) -> str:
    return f"nullif(lower(trim({column})), '')"


def _order(column: str) -> str:
    # the identity graph's order match key (macro identity_order_match_key)
    return f"nullif(lower(trim(replace({column}, '#', ''))), '')"


def _text(column: str) -> str:
    return f"nullif(trim(cast({column} as varchar)), '')"


def _ga4_param(key: str) -> str:
    return f"list_filter(event_params, lambda p: p.key = '{key}')[1].value.string_value"


_DEAL_EMAIL = (
    "coalesce(nullif(regexp_extract(associated_contact, '[(]([^()]*@[^()]*)[)]', 1), ''), "
    "case when associated_contact like '%@%' and associated_contact not like '%(%' "
    "then associated_contact end)"
)
_GA4_SUBSCRIBER = (
    "coalesce(nullif(regexp_extract({url}, '[?&]_kx=([^&#]*)', 1), ''), "
    "nullif(regexp_extract({url}, '[?&]mc_eid=([^&#]*)', 1), ''))"
).format(url=_ga4_param("page_location"))

# raw table -> (identifier kind, SQL expression over a raw row giving the normalised identifier)
MATCHERS: dict[str, tuple[tuple[str, str], ...]] = {
    "ga4_events": (
        ("user_pseudo_id", _text("user_pseudo_id")),
        ("user_id", _text("user_id")),
        ("order", _order("ecommerce.transaction_id")),
        ("order", _order(_ga4_param("transaction_id"))),
        ("subscriber_id", f"coalesce(try(url_decode({_GA4_SUBSCRIBER})), {_GA4_SUBSCRIBER})"),
    ),
    "crm_contacts": (("email", _email("email")), ("crm_contact", _text("record_id"))),
    "crm_deals": (("email", _email(_DEAL_EMAIL)),),
    "crm_nps_responses": (("email", _email("email")),),
    "email_activity": (("email", _email("email")), ("subscriber_id", _text("subscriber_id"))),
    "shopify_orders": (("email", _email("email")), ("order", _order("name"))),
    "generic_order_lines": (
        ("email", _email("email")),
        ("generic_customer", _text("customer_id")),
        ("order", _order("order_id")),
    ),
    "marketing_spend": (),
}
# identity-graph identifier_type -> tombstone kind and normalisation
_GRAPH_KINDS = {
    "email": "email",
    "user_pseudo_id": "user_pseudo_id",
    "user_id": "user_id",
    "order": "order",
    "crm_contact": "crm_contact",
    "generic_customer": "generic_customer",
}


class TombstoneSaltError(RuntimeError):
    """Tombstones hashed with another salt cannot match: refusing to load rather than re-admit."""


def normalise(kind: str, value: str) -> str:
    value = value.strip()
    if kind == "email":
        return value.lower()
    if kind == "order":
        return value.replace("#", "").strip().lower()
    return value


def hash_value(value: str, salt: str | None = None) -> str:
    """hex sha256(salt || value): DuckDB's sha256(salt || value) and the marts' email_hash."""
    salt = email_hash_salt() if salt is None else salt
    return hashlib.sha256((salt + value).encode("utf-8")).hexdigest()


def salt_id(salt: str | None = None) -> str:
    salt = email_hash_salt() if salt is None else salt
    return hashlib.sha256(f"journey-salt-id:{salt}".encode()).hexdigest()[:16]


def ledger_path(working: Path) -> Path:
    return working.with_name(f"{working.stem}.tombstones.csv")


def ensure(con: duckdb.DuckDBPyConnection, working: Path | None = None) -> int:
    """Create raw.tombstones; add ledger entries it lacks (a rebuilt working file). Returns added."""
    con.execute("create schema if not exists raw")
    con.execute(TOMBSTONES_DDL)
    ledger = ledger_path(working) if working is not None else None
    if ledger is None or not ledger.exists():
        return 0
    with open(ledger, encoding="utf-8", newline="") as handle:
        rows = [tuple(r[f] for f in LEDGER_FIELDS) for r in csv.DictReader(handle)]
    known = set(con.execute(f"select kind, value_hash from {TOMBSTONES}").fetchall())
    missing = [r for r in rows if (r[0], r[1]) not in known]
    if missing:
        con.executemany(
            f"insert into {TOMBSTONES} values (?, ?, ?, ?, cast(? as timestamp))", missing
        )
    return len(missing)


def _has_tombstones(con: duckdb.DuckDBPyConnection) -> bool:
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = 'tombstones'"
    ).fetchall()[0][0]
    return bool(exists) and con.execute(f"select count(*) from {TOMBSTONES}").fetchall()[0][0] > 0


def _check_salt(con: duckdb.DuckDBPyConnection) -> None:
    other = con.execute(
        f"select count(*) from {TOMBSTONES} where salt_id <> ?", [salt_id()]
    ).fetchall()[0][0]
    if other:
        raise TombstoneSaltError(
            f"{other} tombstone(s) in {TOMBSTONES} were hashed with a different email_hash_salt "
            "(JOURNEY_EMAIL_SALT): they cannot recognise forgotten persons any more. Restore the "
            "salt they were made with; loading stops rather than re-admitting erased data."
        )


def match_predicate(table: str) -> str | None:
    """SQL condition true for a row of raw.<table> (or its staged copy) carrying a tombstoned id."""
    salt = quote_literal(email_hash_salt())
    conditions = [
        f"sha256({salt} || ({expression})) in "
        f"(select value_hash from {TOMBSTONES} where kind = {quote_literal(kind)})"
        for kind, expression in MATCHERS.get(table, ())
    ]
    return " or ".join(f"coalesce({c}, false)" for c in conditions) or None


def withholding_predicate(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """For a loader: the condition of staged rows of forgotten persons, or None when no row of
    raw.<table> can match a tombstone (none yet, or the table carries no identifier)."""
    if not _has_tombstones(con):
        return None
    _check_salt(con)
    return match_predicate(table)


def withheld_notes(withheld: int) -> list[str]:
    return [f"{withheld} row(s) of forgotten persons withheld (raw.tombstones)"] if withheld else []


def withhold_tombstoned(con: duckdb.DuckDBPyConnection, table: str, relation: str) -> list[str]:
    """Loader hook: delete staged rows of forgotten persons before they reach raw.<table>."""
    predicate = withholding_predicate(con, table)
    if predicate is None:
        return []
    return withheld_notes(con.execute(f"delete from {relation} where {predicate}").fetchall()[0][0])


@dataclass
class ForgetReport:
    email: str
    identifiers: dict[str, set[str]] = field(default_factory=dict)
    tombstones_added: int = 0
    rows_deleted: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        ids = ", ".join(f"{len(v)} {k}" for k, v in sorted(self.identifiers.items()) if v)
        rows = ", ".join(f"raw.{t}: {n}" for t, n in sorted(self.rows_deleted.items()) if n)
        return (
            f"identifiers linked to the email: {ids or 'none'}; "
            f"tombstones added: {self.tombstones_added}; raw rows deleted: {rows or 'none'}"
        )


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
            [schema, name],
        ).fetchall()[0][0]
    )


def linked_identifiers(con: duckdb.DuckDBPyConnection, email: str) -> dict[str, set[str]]:
    """Every identifier of the person with this (normalised) email: the identity graph's
    connected component(s) of the email, plus the raw rows that carry one of their emails."""
    found: dict[str, set[str]] = {kind: set() for kind in dict.fromkeys(_GRAPH_KINDS.values())}
    found["subscriber_id"] = set()
    found["email"].add(email)
    if _table_exists(con, "intermediate", "int_identity__identifiers"):
        rows = con.execute(
            """
            select identifier_type, identifier_value
            from intermediate.int_identity__identifiers
            where customer_key in (
                select customer_key from intermediate.int_identity__identifiers
                where identifier_type = 'email' and identifier_value = ?
            )
            """,
            [email],
        ).fetchall()
        for kind, value in rows:
            if kind in _GRAPH_KINDS and value is not None:
                found[_GRAPH_KINDS[kind]].add(normalise(_GRAPH_KINDS[kind], value))
    emails = sorted(found["email"])
    direct = (  # (kind, raw table, identifier expression) of rows carrying one of the emails
        ("subscriber_id", "email_activity", _text("subscriber_id")),
        ("crm_contact", "crm_contacts", _text("record_id")),
        ("order", "shopify_orders", _order("name")),
        ("order", "generic_order_lines", _order("order_id")),
        ("generic_customer", "generic_order_lines", _text("customer_id")),
    )
    for kind, table, expression in direct:
        if not _table_exists(con, "raw", table):
            continue
        rows = con.execute(
            f"select distinct {expression} from raw.{table} where {_email('email')} in ?", [emails]
        ).fetchall()
        found[kind] |= {v for (v,) in rows if v is not None}
    return found


def _append_ledger(working: Path, rows: list[tuple[str, str, str, str, str]]) -> None:
    ledger = ledger_path(working)
    new = not ledger.exists()
    with open(ledger, "a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if new:
            writer.writerow(LEDGER_FIELDS)
        writer.writerows(rows)
        handle.flush()
        os.fsync(handle.fileno())


def forget(con: duckdb.DuckDBPyConnection, working: Path, email: str) -> ForgetReport:
    """Tombstone every identifier linked to `email` and delete their rows from every raw table.

    The ledger is written (and fsynced) before the database, so a crash in between still leaves
    the tombstones to be re-applied by the next run. Staging / intermediate / marts are cleaned by
    the rebuild that follows (journey forget runs the nightly job and publishes).
    """
    normalised = normalise("email", email)
    if "@" not in normalised:
        raise ValueError(f"not an email address: {email!r}")
    ensure(con, working)
    report = ForgetReport(normalised, linked_identifiers(con, normalised))
    request = hash_value(normalised)
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    known = set(con.execute(f"select kind, value_hash from {TOMBSTONES}").fetchall())
    rows = [
        (kind, digest, salt_id(), request, now)
        for kind, values in sorted(report.identifiers.items())
        for digest in sorted({hash_value(v) for v in values})
        if (kind, digest) not in known
    ]
    if rows:
        _append_ledger(working, rows)
    con.execute("begin transaction")
    try:
        if rows:
            con.executemany(
                f"insert into {TOMBSTONES} values (?, ?, ?, ?, cast(? as timestamp))", rows
            )
        _check_salt(con)
        for table in MATCHERS:
            predicate = match_predicate(table)
            if predicate is None or not _table_exists(con, "raw", table):
                continue
            deleted = con.execute(f"delete from raw.{table} where {predicate}").fetchall()[0][0]
            report.rows_deleted[table] = deleted
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    report.tombstones_added = len(rows)
    return report


def remaining_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Raw rows still matching a tombstone (0 everywhere after a successful forget)."""
    counts = {}
    for table in MATCHERS:
        predicate = match_predicate(table)
        if predicate is not None and _table_exists(con, "raw", table):
            counts[table] = con.execute(
                f"select count(*) from raw.{table} where {predicate}"
            ).fetchall()[0][0]
    return counts


def compact(working: Path) -> Path:
    """Rewrite the working file and its marts file so blocks freed by deletes and rebuilds (which
    still hold the erased bytes) are gone. Returns the working file's path."""
    marts = marts_file(working)
    if marts.exists():
        _compact_file(marts)
    return _compact_file(working)


def _compact_file(path: Path) -> Path:
    """COPY FROM DATABASE into a temp file next to `path`, then os.replace."""
    temp = path.with_name(f".{path.name}.compact.tmp")
    temp.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        database = con.execute("select current_database()").fetchall()[0][0]
        con.execute(f"attach {quote_literal(str(temp))} as journey_compact")
        con.execute(f'copy from database "{database}" to journey_compact')
        con.execute("checkpoint journey_compact")
        con.execute("detach journey_compact")
    finally:
        con.close()
    fd = os.open(temp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, path)
    return path
