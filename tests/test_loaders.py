"""Loaders: typed raw tables, idempotent reloads, replaced re-deliveries, located errors."""

import gzip
import json
import shutil
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.loaders.errors import LoadError
from orchestration.loaders.landing import load_all

CONTACTS = (
    "Record ID,First Name,Email,Lifecycle Stage,Create Date,Portal Extra\n"
    "101,Ann, Ann@Example.com ,lead,2024-01-01 10:00,x\n"
    "102,Bob,bob@example.com,customer,2024-01-02 11:30,y\n"
)
# Shopify: order-level columns on the first line-item row only; Created at with a UTC offset.
ORDERS = (
    "Name,Email,Financial Status,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,"
    "Created at,Lineitem quantity,Lineitem name,Lineitem price,Refunded Amount\n"
    '#1001,ann@example.com,paid,yes,EUR,20.00,5.00,3.80,"28.80",2024-03-01 10:15:22 +0100,1,Mug,10.00,\n'
    "#1001,,,,,,,,,,2,Cup,5.00,\n"
    "#1002,bob@example.com,partially_refunded,no,USD,7.50,0,0,7.50,2024-03-02 23:59:59 -0500,3,Pen,2.50,2.50\n"
)


def ga4_event(line: int, user: str = "111.222", name: str = "page_view") -> dict:
    timestamp = 1_704_067_200_000_000 + line * 1_000_000
    return {
        "event_date": "20240101",
        "event_timestamp": str(timestamp),  # INT64 as a JSON string, as BigQuery extracts it
        "event_name": name,
        "user_pseudo_id": user,
        "event_params": [
            {"key": "ga_session_id", "value": {"int_value": "1704067200"}},
            {"key": "page_location", "value": {"string_value": f"https://shop.example/p{line}"}},
        ],
        "device": {"category": "mobile", "web_info": {"browser": "Chrome"}},
    }


def write_ga4(path: Path, events: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for event in events:
            handle.write(json.dumps(event) + "\n")


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    (root / "crm").mkdir(parents=True)
    (root / "orders").mkdir()
    (root / "crm" / "contacts.csv").write_text(CONTACTS)
    (root / "orders" / "orders_export.csv").write_text(ORDERS)
    write_ga4(root / "ga4" / "events_20240101.json.gz", [ga4_event(i) for i in range(1, 6)])
    write_ga4(root / "ga4" / "events_20240102.json.gz", [ga4_event(i) for i in range(10, 13)])
    return root


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "wh" / "journey.duckdb"


def query(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def raw_counts(warehouse: Path) -> dict[str, int]:
    tables = [
        row[0]
        for row in query(
            warehouse,
            "select table_name from information_schema.tables where table_schema = 'raw'",
        )
    ]
    return {t: query(warehouse, f"select count(*) from raw.{t}")[0][0] for t in tables}


def test_loads_typed_rows(landing: Path, warehouse: Path) -> None:
    load_all(warehouse, landing)
    counts = raw_counts(warehouse)
    assert counts["crm_contacts"] == 2
    assert counts["shopify_orders"] == 3
    assert counts["ga4_events"] == 8
    assert counts["crm_deals"] == 0  # an optional source without files still has its table

    first = query(
        warehouse,
        "select created_at, total, accepts_marketing, _source_row from raw.shopify_orders "
        "where name = '#1002'",
    )
    # 23:59:59 at UTC-5 is 04:59:59 UTC the next day.
    assert first == [(datetime(2024, 3, 3, 4, 59, 59), Decimal("7.5000"), False, 3)]
    folded = query(
        warehouse,
        "select created_at from raw.shopify_orders where name = '#1001' order by _source_row",
    )
    assert folded == [(datetime(2024, 3, 1, 9, 15, 22),), (None,)]

    ga4 = query(
        warehouse,
        "select event_timestamp, event_params[1].value.int_value, _source_row "
        "from raw.ga4_events where _source_file = 'ga4/events_20240101.json.gz' order by _source_row",
    )
    assert [row[2] for row in ga4] == [1, 2, 3, 4, 5]
    assert ga4[0][:2] == (1_704_067_201_000_000, 1_704_067_200)

    notes = query(
        warehouse, "select message from raw.load_manifest where file_path = 'crm/contacts.csv'"
    )
    assert "Portal Extra" in notes[0][0]


def test_same_files_twice_change_nothing(landing: Path, warehouse: Path) -> None:
    load_all(warehouse, landing)
    before = raw_counts(warehouse)
    reports = load_all(warehouse, landing)
    assert raw_counts(warehouse) == before
    assert all(f.status == "unchanged" for r in reports for f in r.files)


def test_unchanged_files_are_not_read_again(landing: Path, warehouse: Path, monkeypatch) -> None:
    from orchestration.loaders import manifest

    hashed: list[str] = []
    sha256_of = manifest.sha256_of

    def counting(path: Path) -> str:
        hashed.append(path.relative_to(landing).as_posix())
        return sha256_of(path)

    monkeypatch.setattr(manifest, "sha256_of", counting)
    files = sorted(p.relative_to(landing).as_posix() for p in landing.rglob("*") if p.is_file())
    # The fixture wrote every file just now: their stats are not trusted yet, they are read again.
    load_all(warehouse, landing)
    load_all(warehouse, landing)
    assert sorted(hashed) == sorted(files * 2)
    monkeypatch.setattr(manifest, "RACY_SECONDS", 0.0)
    load_all(warehouse, landing)
    hashed.clear()
    load_all(warehouse, landing)
    assert hashed == []
    # Written again with the same bytes (its change time moves): read and hashed, still unchanged.
    day_two = landing / "ga4" / "events_20240102.json.gz"
    day_two.write_bytes(day_two.read_bytes())
    reports = load_all(warehouse, landing)
    assert hashed == ["ga4/events_20240102.json.gz"]
    assert all(f.status == "unchanged" for r in reports for f in r.files)


def test_redelivered_file_replaces_only_its_rows(landing: Path, warehouse: Path) -> None:
    load_all(warehouse, landing)
    day_two_before = query(
        warehouse,
        "select * exclude (_loaded_at) from raw.ga4_events "
        "where _source_file = 'ga4/events_20240102.json.gz' order by _source_row",
    )
    # GA4 re-exports day one with a late event added and one event changed.
    events = [ga4_event(i) for i in range(1, 6)] + [ga4_event(7, name="add_to_cart")]
    events[0]["event_name"] = "session_start"
    write_ga4(landing / "ga4" / "events_20240101.json.gz", events)

    reports = load_all(warehouse, landing)
    statuses = {f.file_path: f.status for r in reports for f in r.files}
    assert statuses["ga4/events_20240101.json.gz"] == "replaced"
    assert statuses["ga4/events_20240102.json.gz"] == "unchanged"
    day_one = query(
        warehouse,
        "select event_name from raw.ga4_events "
        "where _source_file = 'ga4/events_20240101.json.gz' order by _source_row",
    )
    assert [r[0] for r in day_one] == ["session_start"] + ["page_view"] * 4 + ["add_to_cart"]
    day_two_after = query(
        warehouse,
        "select * exclude (_loaded_at) from raw.ga4_events "
        "where _source_file = 'ga4/events_20240102.json.gz' order by _source_row",
    )
    assert day_two_after == day_two_before
    manifest = query(
        warehouse,
        "select status, row_count from raw.load_manifest "
        "where file_path = 'ga4/events_20240101.json.gz' order by loaded_at",
    )
    assert manifest == [("loaded", 5), ("replaced", 6)]


def truncate_gzip(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def malformed_line_three(path: Path) -> None:
    lines = [json.dumps(ga4_event(i)) for i in range(1, 6)]
    lines[2] = lines[2][:40]  # line 3 cut in the middle of an object
    with gzip.open(path, "wt") as handle:
        handle.write("\n".join(lines) + "\n")


def missing_user_on_line_four(path: Path) -> None:
    events = [ga4_event(i) for i in range(1, 6)]
    del events[3]["user_pseudo_id"]
    write_ga4(path, events)


def bad_timestamp_string(path: Path) -> None:
    events = [ga4_event(i) for i in range(1, 4)]
    events[1]["event_timestamp"] = "17040672OO"
    write_ga4(path, events)


GA4_DAY = "ga4/events_20240101.json.gz"


@pytest.mark.parametrize(
    ("relative", "spoil", "row", "column", "reason"),
    [
        (GA4_DAY, truncate_gzip, None, None, "gzip"),
        (GA4_DAY, malformed_line_three, 3, None, "malformed JSON"),
        (GA4_DAY, missing_user_on_line_four, 4, "user_pseudo_id", "missing"),
        (GA4_DAY, bad_timestamp_string, 2, "event_timestamp", "INT64"),
        (
            "orders/orders_export.csv",
            lambda p: p.write_text(ORDERS.replace("Lineitem price", "Line price")),
            None,
            "Lineitem price",
            "required column missing",
        ),
        (
            "orders/orders_export.csv",
            lambda p: p.write_text(ORDERS.replace("2024-03-02 23:59:59 -0500", "2024-02-31 10:00")),
            3,
            "Created at",
            "cannot be parsed as timestamp",
        ),
        (
            "orders/orders_export.csv",
            lambda p: p.write_text(ORDERS.replace('"28.80"', '"28,80"')),
            1,
            "Total",
            "cannot be parsed as decimal",
        ),
        (
            "crm/contacts.csv",
            lambda p: p.write_text(CONTACTS.replace("102,Bob", ",Bob")),
            2,
            "Record ID",
            "required value is empty",
        ),
        (
            "crm/contacts.csv",
            lambda p: p.write_text(CONTACTS.replace("bob@example.com,", "bob@example.com,,")),
            2,
            None,
            "Expected Number of Columns: 6 Found: 7",
        ),
        ("crm/contacts.csv", lambda p: p.write_text(""), None, None, "empty"),
    ],
)
def test_bad_file_is_named_and_earlier_load_stays(
    landing: Path, warehouse: Path, relative: str, spoil, row, column, reason: str
) -> None:
    load_all(warehouse, landing)
    before = query(
        warehouse,
        "select * exclude (_loaded_at) from raw.ga4_events order by _source_file, _source_row",
    )
    counts_before = raw_counts(warehouse)

    spoil(landing / relative)
    with pytest.raises(LoadError) as caught:
        load_all(warehouse, landing)
    error = caught.value
    assert error.file == relative
    assert error.row == row
    assert error.column == column
    assert reason in str(error)
    assert relative in str(error)

    counts_after = raw_counts(warehouse)
    assert counts_after.pop("load_manifest") == counts_before.pop("load_manifest") + 1
    assert counts_after == counts_before
    after = query(
        warehouse,
        "select * exclude (_loaded_at) from raw.ga4_events order by _source_file, _source_row",
    )
    assert after == before
    failed = query(
        warehouse, "select file_path, message from raw.load_manifest where status = 'failed'"
    )
    assert failed == [(relative, str(error))]


def test_parquet_day_loads_like_json(landing: Path, warehouse: Path, tmp_path: Path) -> None:
    load_all(warehouse, landing)
    json_rows = query(
        warehouse,
        "select event_timestamp, event_name, user_pseudo_id, event_params, device "
        "from raw.ga4_events where _source_file = 'ga4/events_20240102.json.gz' order by _source_row",
    )
    parquet_landing = tmp_path / "parquet_landing"
    (parquet_landing / "ga4").mkdir(parents=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    con.execute(
        "copy (select * exclude (_source_file, _source_row, _loaded_at, _extra) from raw.ga4_events "
        "where _source_file = 'ga4/events_20240102.json.gz' order by _source_row) "
        f"to '{parquet_landing / 'ga4' / 'events_20240102.parquet'}' (format parquet)"
    )
    con.close()
    other = tmp_path / "other.duckdb"
    load_all(other, parquet_landing)
    parquet_rows = query(
        other,
        "select event_timestamp, event_name, user_pseudo_id, event_params, device "
        "from raw.ga4_events order by _source_row",
    )
    assert parquet_rows == json_rows


def test_generic_order_lines_follow_the_mapping(tmp_path: Path, warehouse: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "generic_orders").mkdir(parents=True)
    # Headers as named in dbt_project.yml var generic_order_lines_mapping, in another order.
    (landing / "generic_orders" / "lines.csv").write_text(
        "Qty,Unit Price,Order Number,Product,Order Date,Customer Email,Status\n"
        "2,9.99,A-1,Socks,2024-05-01T08:00:00+02:00,x@example.com,completed\n"
        "-1,9.99,A-1,Socks,2024-05-03T08:00:00+02:00,x@example.com,cancelled\n"
    )
    load_all(warehouse, landing)
    rows = query(
        warehouse,
        "select order_id, quantity, unit_price, ordered_at, customer_id from raw.generic_order_lines "
        "order by _source_row",
    )
    assert rows == [
        ("A-1", 2, Decimal("9.9900"), datetime(2024, 5, 1, 6, 0), None),
        ("A-1", -1, Decimal("9.9900"), datetime(2024, 5, 3, 6, 0), None),
    ]


def test_file_in_landing_is_never_modified(landing: Path, warehouse: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(landing, copy)
    load_all(warehouse, landing)
    for original in copy.rglob("*"):
        if original.is_file():
            assert (landing / original.relative_to(copy)).read_bytes() == original.read_bytes()


# --------------------------------------------------- GA4 files read together (loaders/ga4_batch.py)


def _load_ga4_landing(landing: Path, warehouse: Path, batch_mb: float, monkeypatch) -> dict:
    """Load `landing` with GA4 batches of `batch_mb` MiB (0: every file on its own); what raw,
    the manifest, the quarantine and the outcomes hold afterwards."""
    import orchestration.loaders.landing as landing_module

    real = landing_module.project_var
    monkeypatch.setattr(
        landing_module,
        "project_var",
        lambda name, default=None: batch_mb if name == "ga4_load_batch_mb" else real(name, default),
    )
    reports = load_all(warehouse, landing, raise_rejected=False)
    return {
        "outcomes": sorted(
            (f.file_path, f.status, f.rows, f.quarantined, tuple(f.drift), f.message)
            for r in reports
            for f in r.files
            if r.table == "ga4_events"
        ),
        "raw": query(
            warehouse,
            "select * exclude (_loaded_at) from raw.ga4_events order by _source_file, _source_row",
        ),
        "manifest": query(
            warehouse,
            "select file_path, status, row_count, message, quarantined_rows from raw.load_manifest "
            "where source_table = 'ga4_events' order by file_path",
        ),
        "quarantine": query(
            warehouse, "select * exclude (loaded_at) from raw.quarantine order by all"
        ),
    }


def test_ga4_files_read_together_load_exactly_as_one_by_one(
    landing: Path, tmp_path: Path, monkeypatch
) -> None:
    """A batch mixing clean days, a day with a new field, a day with a bad line, a day with a
    forgotten person's events and a second delivery of a clean day's content loads exactly as
    file by file: same rows and line numbers, manifest, quarantine and outcomes."""
    from orchestration import privacy

    ga4 = landing / "ga4"
    for day in range(3, 9):
        write_ga4(
            ga4 / f"events_2024010{day}.json.gz", [ga4_event(day * 100 + i) for i in range(4)]
        )
    drift = [ga4_event(i) for i in range(900, 903)]
    drift[2]["session_traffic_source_last_click"] = {"manual_source": "x"}
    write_ga4(ga4 / "events_20240110.json.gz", drift)
    bad = [ga4_event(i) for i in range(950, 953)]
    bad[1].pop("user_pseudo_id")
    write_ga4(ga4 / "events_20240111.json.gz", bad)
    forgotten = [ga4_event(i, user="999.forget") for i in range(960, 962)] + [ga4_event(962)]
    write_ga4(ga4 / "events_20240112.json.gz", forgotten)
    shutil.copyfile(ga4 / "events_20240105.json.gz", ga4 / "events_20240113.json.gz")

    results = []
    for batch_mb in (64, 0):
        warehouse = tmp_path / f"wh_{batch_mb}" / "journey.duckdb"
        warehouse.parent.mkdir()
        con = duckdb.connect(str(warehouse))
        privacy.ensure(con)
        con.execute(
            "insert into raw.tombstones values ('user_pseudo_id', ?, ?, 'request', now())",
            [privacy.hash_value("999.forget"), privacy.salt_id()],
        )
        con.close()
        results.append(_load_ga4_landing(landing, warehouse, batch_mb, monkeypatch))
    together, one_by_one = results
    assert together == one_by_one

    outcomes = {o[0]: o for o in together["outcomes"]}
    assert outcomes["ga4/events_20240110.json.gz"][4] == ("session_traffic_source_last_click",)
    assert outcomes["ga4/events_20240111.json.gz"][1] == "failed"
    assert outcomes["ga4/events_20240112.json.gz"][1:3] == ("loaded", 1)
    assert outcomes["ga4/events_20240113.json.gz"][1] == "duplicate"
    # _source_row is the line number: the generator put line numbers into page_location.
    rows = query(
        tmp_path / "wh_64" / "journey.duckdb",
        "select _source_file, _source_row, event_params[2].value.string_value "
        "from raw.ga4_events where _source_file like '%2024010_%'",
    )
    assert len(rows) == 5 + 3 + 6 * 4
    first_line = {"01": 1, "02": 10} | {f"0{d}": d * 100 for d in range(3, 9)}
    for source_file, row, url in rows:
        day = source_file[-10:-8]
        assert url == f"https://shop.example/p{first_line[day] + row - 1}"


def test_ga4_batch_whose_typed_read_fails_loads_exactly_as_one_by_one(
    landing: Path, tmp_path: Path, monkeypatch
) -> None:
    """A day with every field present and none new, but a timestamp that is not an integer, makes
    the batch's one typed read fail: every file of the batch is then read on its own, and what
    loads, fails and is reported equals batching off."""
    ga4 = landing / "ga4"
    for day in range(3, 6):
        write_ga4(ga4 / f"events_2024010{day}.json.gz", [ga4_event(day * 10 + i) for i in range(3)])
    untypable = [ga4_event(i) for i in range(70, 73)]
    untypable[1]["event_timestamp"] = "yesterday"
    write_ga4(ga4 / "events_20240106.json.gz", untypable)
    together, one_by_one = (
        _load_ga4_landing(landing, tmp_path / f"wh_{mb}" / "journey.duckdb", mb, monkeypatch)
        for mb in (64, 0)
    )
    assert together == one_by_one
    outcomes = {o[0]: o[1:3] for o in together["outcomes"]}
    assert outcomes["ga4/events_20240106.json.gz"][0] == "failed"
    assert outcomes["ga4/events_20240105.json.gz"] == ("loaded", 3)


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2024-03-01 10:15:22 +0100", "2024-03-01 09:15:22"),  # Shopify export
        ("2024-03-01 10:15:22 -0530", "2024-03-01 15:45:22"),
        ("2023-12-31T23:04:58+00:00", "2023-12-31 23:04:58"),  # ISO 8601 (Klaviyo, GA4 tools)
        ("2024-03-01T10:15:22Z", "2024-03-01 10:15:22"),
        ("2024-03-01 10:15:22+01", "2024-03-01 09:15:22"),
        ("2024-03-01 10:15:22", "2024-03-01 10:15:22"),  # naive: the session time zone (UTC here)
        (" 2024-03-01 ", "2024-03-01 00:00:00"),
        ("01/03/2024 10:15", None),
        ("", None),
    ],
)
def test_csv_timestamp_cells_read_every_offset_style_to_utc(text: str, utc: str | None) -> None:
    from orchestration.loaders.csv_reader import parse_expression
    from orchestration.loaders.formats import TIMESTAMP

    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    value = con.execute(
        f"select cast({parse_expression('cell', TIMESTAMP)} as varchar) from (select ? as cell)",
        [text],
    ).fetchall()[0][0]
    assert value == utc


@pytest.mark.parametrize(
    ("sizes", "limit", "expected"),
    [
        ([10, 10, 10, 10], 25, [[0, 1], [2, 3]]),
        ([10, 10, 10, 10], 35, [[0, 1, 2], [3]]),
        ([200, 200, 200], 100, [[0, 1], [2]]),  # days over the limit (100M events): in pairs
        ([200, 10, 10, 200], 100, [[0, 1], [2, 3]]),
        ([10, 10, 10], 0, [[0], [1], [2]]),  # 0: every file on its own
    ],
)
def test_ga4_batches_hold_up_to_the_limit_but_at_least_two_files(
    tmp_path: Path, sizes: list[int], limit: int, expected: list[list[int]]
) -> None:
    from orchestration.loaders.ga4_batch import batches

    paths = []
    for number, size in enumerate(sizes):
        path = tmp_path / f"events_202401{number + 10}.json.gz"
        path.write_bytes(b"x" * size)
        paths.append(path)
    assert [[paths.index(p) for p in batch] for batch in batches(paths, limit)] == expected
