"""Bad input (issue 7): per-table policy reject_file / quarantine_rows, schema drift kept in
_extra, and a clear message for every kind of bad file. Files are hand-written with known bad rows
planted at known places; every assertion compares with what was planted."""

import gzip
import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import test_loaders
from test_loaders import CONTACTS, ORDERS, ga4_event, query, write_ga4

from orchestration import config
from orchestration.loaders.errors import LoadError
from orchestration.loaders.formats import CRM_CONTACTS, all_raw_tables
from orchestration.loaders.landing import load_all
from orchestration.loaders.policy import QUARANTINE_ROWS, REJECT_FILE, policy_for
from orchestration.raw_assets import raw_loader_asset
from orchestration.resources import WarehouseResource

# The fixtures of test_loaders: its sample landing folder (contacts, orders, two GA4 days) and a
# warehouse path.
landing = test_loaders.landing
warehouse = test_loaders.warehouse

POLICIES = (REJECT_FILE, QUARANTINE_ROWS)
CONTACTS_FILE = "crm/contacts.csv"
GA4_DAY = "ga4/events_20240101.json.gz"

# Six contacts with bad rows planted at data rows 2, 4 and 5, and a blank line (not a row) before
# row 4.
PLANTED_CONTACTS_LINES = [
    "Record ID,First Name,Email,Lifecycle Stage,Create Date,Portal Extra",
    "101,Ann,ann@example.com,lead,2024-01-01 10:00,x",
    ",Bob,bob@example.com,lead,2024-01-02 10:00,y",  # row 2: required Record ID empty
    "103,Cy,cy@example.com,lead,2024-01-03 10:00,",
    "",
    "104,Di,di@example.com,lead,not-a-date,z",  # row 4: Create Date unparsable
    "105,Ed,ed@example.com,lead,2024-01-05 10:00,z,surplus",  # row 5: 7 fields, 6 columns
    "106,Fay,fay@example.com,customer,2024-01-06 10:00,w",
]
PLANTED_CONTACTS_BAD = [
    (2, "Record ID", "required value is empty", None, PLANTED_CONTACTS_LINES[2]),
    (4, "Create Date", "cannot be parsed as timestamp", "not-a-date", PLANTED_CONTACTS_LINES[5]),
    (
        5,
        None,
        "row cannot be read as CSV (too many columns): Expected Number of Columns: 6 Found: 7",
        None,
        PLANTED_CONTACTS_LINES[6],
    ),
]
PLANTED_CONTACTS_GOOD = [(1, 101), (3, 103), (6, 106)]  # (_source_row, record_id)


def write_planted_contacts(path: Path) -> None:
    path.write_text("\n".join(PLANTED_CONTACTS_LINES) + "\n")


def planted_ga4_lines() -> list[str]:
    """Eight events; line 3 is cut mid-object, line 4 lacks user_pseudo_id, line 6 has a bad
    INT64."""
    lines = [json.dumps(ga4_event(i)) for i in range(1, 9)]
    lines[2] = lines[2][:40]
    missing_user = ga4_event(4)
    del missing_user["user_pseudo_id"]
    lines[3] = json.dumps(missing_user)
    bad_timestamp = ga4_event(6)
    bad_timestamp["event_timestamp"] = "17040672OO"
    lines[5] = json.dumps(bad_timestamp)
    return lines


def write_planted_ga4(path: Path) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(planted_ga4_lines()) + "\n")


PLANTED_GA4_BAD = [
    (3, None, "malformed JSON", None, planted_ga4_lines()[2]),
    (4, "user_pseudo_id", "required field is missing or null", None, planted_ga4_lines()[3]),
    (6, "event_timestamp", "not an INT64", "17040672OO", planted_ga4_lines()[5]),
]
# (_source_row, event_timestamp): ga4_event(line) is stamped line seconds after 2024-01-01.
PLANTED_GA4_GOOD = [(line, 1_704_067_200_000_000 + line * 1_000_000) for line in (1, 2, 5, 7, 8)]

# (write, planted bad rows, SQL of the loaded rows, expected loaded rows, data rows in the file)
PLANTED = {
    CONTACTS_FILE: (
        write_planted_contacts,
        PLANTED_CONTACTS_BAD,
        "select _source_row, record_id from raw.crm_contacts "
        f"where _source_file = '{CONTACTS_FILE}' order by 1",
        PLANTED_CONTACTS_GOOD,
        len([line for line in PLANTED_CONTACTS_LINES[1:] if line]),
    ),
    GA4_DAY: (
        write_planted_ga4,
        PLANTED_GA4_BAD,
        "select _source_row, event_timestamp from raw.ga4_events "
        f"where _source_file = '{GA4_DAY}' order by 1",
        PLANTED_GA4_GOOD,
        len(planted_ga4_lines()),
    ),
}


def table_contents(warehouse: Path) -> dict[str, list[tuple]]:
    """Every raw table's full contents (the manifest in load order)."""
    names = [
        r[0]
        for r in query(
            warehouse,
            "select table_name from information_schema.tables where table_schema = 'raw'",
        )
    ]
    return {
        name: query(
            warehouse,
            f"select * from raw.{name} order by "
            + ("loaded_at, file_path" if name == "load_manifest" else "all"),
        )
        for name in names
    }


def quarantined(warehouse: Path, file_path: str) -> list[tuple]:
    return query(
        warehouse,
        "select source_table, source_row, column_name, reason, value, raw_record "
        f"from raw.quarantine where file_path = '{file_path}' order by source_row",
    )


def manifest_of(warehouse: Path, file_path: str) -> list[tuple]:
    return query(
        warehouse,
        "select status, row_count, quarantined_rows, message from raw.load_manifest "
        f"where file_path = '{file_path}' order by loaded_at",
    )


def outcomes(reports: list) -> dict[str, object]:
    return {f.file_path: f for report in reports for f in report.files}


def expect_rejected(
    landing: Path, warehouse: Path, relative: str, policy: str, *reasons: str
) -> LoadError:
    """Load, expect `relative` rejected with these phrases; every table and the manifest's earlier
    rows unchanged; the failure recorded in the manifest; the file kept as it was."""
    before = table_contents(warehouse)
    delivered = (landing / relative).read_bytes()
    with pytest.raises(LoadError) as caught:
        load_all(warehouse, landing, policy=policy)
    error = caught.value
    assert error.file == relative
    assert str(error).startswith(f"file {relative}")
    for reason in reasons:
        assert reason in str(error)
    after = table_contents(warehouse)
    manifest_before, manifest_after = before.pop("load_manifest"), after.pop("load_manifest")
    assert after == before
    assert manifest_after[: len(manifest_before)] == manifest_before
    assert manifest_of(warehouse, relative)[-1] == ("failed", None, None, str(error))
    assert (landing / relative).read_bytes() == delivered
    return error


# ---------------------------------------------------------------------------- bad rows, by policy


@pytest.mark.parametrize("relative", PLANTED)
def test_reject_file_loads_nothing_of_a_file_with_bad_rows(
    landing: Path, warehouse: Path, relative: str
) -> None:
    load_all(warehouse, landing)
    write, bad, _, good, _ = PLANTED[relative]
    write(landing / relative)
    error = expect_rejected(landing, warehouse, relative, REJECT_FILE, bad[0][2])
    first_row, first_column = bad[0][:2]
    assert (error.row, error.column) == (first_row, first_column)
    assert f"1 of {len(bad)} bad rows, {len(good)} good" in str(error)
    assert "bad_input_policy reject_file" in str(error)


@pytest.mark.parametrize("relative", PLANTED)
def test_quarantine_rows_keeps_bad_rows_and_loads_the_good_ones(
    landing: Path, warehouse: Path, relative: str
) -> None:
    write, bad, good_sql, good, rows_in_file = PLANTED[relative]
    write(landing / relative)
    load_all(warehouse, landing, policy=QUARANTINE_ROWS)

    rows = quarantined(warehouse, relative)
    table = "crm_contacts" if relative == CONTACTS_FILE else "ga4_events"
    assert [(r[0], r[1], r[2], r[4], r[5]) for r in rows] == [
        (table, row, column, value, raw) for row, column, _, value, raw in bad
    ]
    for (*_, reason, _value, _raw), (_, _, expected, _, _) in zip(rows, bad, strict=True):
        assert reason.startswith(expected)
    assert query(warehouse, good_sql) == good
    assert len(query(warehouse, good_sql)) == rows_in_file - len(bad)
    (status, row_count, quarantined_rows, message) = manifest_of(warehouse, relative)[-1]
    assert (status, row_count, quarantined_rows) == ("loaded", len(good), len(bad))
    assert f"{len(bad)} bad rows quarantined in raw.quarantine" in message


def test_same_files_twice_change_nothing_and_a_changed_file_replaces_its_quarantine(
    landing: Path, warehouse: Path
) -> None:
    write_planted_contacts(landing / CONTACTS_FILE)
    write_planted_ga4(landing / GA4_DAY)
    load_all(warehouse, landing, policy=QUARANTINE_ROWS)
    first = table_contents(warehouse)
    ga4_quarantine = quarantined(warehouse, GA4_DAY)
    assert [r[1] for r in ga4_quarantine] == [3, 4, 6]

    reports = load_all(warehouse, landing, policy=QUARANTINE_ROWS)
    assert {f.status for f in outcomes(reports).values()} == {"unchanged"}
    assert table_contents(warehouse) == first

    # Row 2 fixed: the re-delivery keeps rows 4 and 5 in quarantine, row 2 loads.
    fixed = list(PLANTED_CONTACTS_LINES)
    fixed[2] = "102" + fixed[2]
    (landing / CONTACTS_FILE).write_text("\n".join(fixed) + "\n")
    reports = load_all(warehouse, landing, policy=QUARANTINE_ROWS)
    assert outcomes(reports)[CONTACTS_FILE].status == "replaced"
    assert [r[1] for r in quarantined(warehouse, CONTACTS_FILE)] == [4, 5]
    assert quarantined(warehouse, GA4_DAY) == ga4_quarantine
    assert query(
        warehouse,
        f"select _source_row, record_id from raw.crm_contacts where _source_file = '{CONTACTS_FILE}' "
        "order by 1",
    ) == [(1, 101), (2, 102), (3, 103), (6, 106)]
    assert manifest_of(warehouse, CONTACTS_FILE)[-1][:3] == ("replaced", 4, 2)


def test_every_row_bad_rejects_the_file_under_quarantine_rows_too(
    landing: Path, warehouse: Path
) -> None:
    load_all(warehouse, landing)
    (landing / CONTACTS_FILE).write_text(
        "Record ID,Email,Lifecycle Stage,Create Date\n"
        "x1,a@example.com,lead,2024-01-01\n"
        "x2,b@example.com,lead,2024-01-02\n"
    )
    error = expect_rejected(
        landing,
        warehouse,
        CONTACTS_FILE,
        QUARANTINE_ROWS,
        "cannot be parsed as integer",
        "1 of 2 bad rows, 0 good",
        "no row is good",
    )
    assert (error.row, error.column, error.value) == (1, "Record ID", "x1")


# ----------------------------------------------------------------------------------- schema drift


def test_new_csv_columns_are_kept_in_extra_and_reported(tmp_path: Path, warehouse: Path) -> None:
    landing = tmp_path / "drift"
    (landing / "crm").mkdir(parents=True)
    # 'Portal Extra' is not in the contract; the second 'Email' is a duplicate header.
    (landing / CONTACTS_FILE).write_text(
        "Record ID,Email,Lifecycle Stage,Create Date,Portal Extra,Email\n"
        "1,a@example.com,lead,2024-01-01,x,a2@example.com\n"
        "2,b@example.com,lead,2024-01-02,,\n"
    )
    reports = load_all(warehouse, landing)
    outcome = outcomes(reports)[CONTACTS_FILE]
    assert outcome.drift == ["Portal Extra", "Email (column 6)"]
    assert query(warehouse, "select email, _extra from raw.crm_contacts order by _source_row") == [
        ("a@example.com", '{"Portal Extra":"x","Email (column 6)":"a2@example.com"}'),
        ("b@example.com", None),
    ]
    message = manifest_of(warehouse, CONTACTS_FILE)[-1][3]
    assert message == "new columns kept in _extra: Portal Extra, Email (column 6)"


def test_new_ga4_fields_are_kept_in_extra_and_reported(
    tmp_path: Path, warehouse: Path, landing: Path
) -> None:
    events = [ga4_event(i) for i in range(1, 4)]
    events[1]["session_traffic_source_last_click"] = {"manual_source": "newsletter"}
    write_ga4(landing / GA4_DAY, events)
    reports = load_all(warehouse, landing)
    assert outcomes(reports)[GA4_DAY].drift == ["session_traffic_source_last_click"]
    extra = query(
        warehouse,
        f"select _source_row, _extra from raw.ga4_events where _source_file = '{GA4_DAY}' "
        "order by 1",
    )
    assert extra == [
        (1, None),
        (2, '{"session_traffic_source_last_click":{"manual_source":"newsletter"}}'),
        (3, None),
    ]
    assert (
        "new columns kept in _extra: session_traffic_source_last_click"
        in (manifest_of(warehouse, GA4_DAY)[-1][3])
    )

    # The same day as Parquet with an extra column: kept and reported the same way.
    parquet_landing = tmp_path / "parquet"
    (parquet_landing / "ga4").mkdir(parents=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    con.execute(
        "copy (select * exclude (_source_file, _source_row, _loaded_at, _extra), "
        "'v' || _source_row as new_column from raw.ga4_events "
        f"where _source_file = '{GA4_DAY}' order by _source_row) "
        f"to '{parquet_landing / 'ga4' / 'events_20240101.parquet'}' (format parquet)"
    )
    con.close()
    other = tmp_path / "other.duckdb"
    reports = load_all(other, parquet_landing)
    assert outcomes(reports)["ga4/events_20240101.parquet"].drift == ["new_column"]
    assert query(other, "select _source_row, _extra from raw.ga4_events order by 1") == [
        (1, '{"new_column":"v1"}'),
        (2, '{"new_column":"v2"}'),
        (3, '{"new_column":"v3"}'),
    ]


@pytest.mark.parametrize("policy", POLICIES)
def test_missing_required_column_rejects_the_file_under_every_policy(
    landing: Path, warehouse: Path, policy: str
) -> None:
    load_all(warehouse, landing)
    relative = "orders/orders_export.csv"
    (landing / relative).write_text(
        ORDERS.replace("Lineitem price", "Line price").replace(",Total,", ",Grand Total,")
    )
    error = expect_rejected(
        landing,
        warehouse,
        relative,
        policy,
        "required column missing from the header (all missing: 'Total', 'Lineitem price')",
    )
    assert error.column == "Total"


@pytest.mark.parametrize("policy", POLICIES)
def test_ga4_field_missing_from_every_line_rejects_the_file(
    landing: Path, warehouse: Path, policy: str
) -> None:
    load_all(warehouse, landing)
    events = [ga4_event(i) for i in range(1, 4)]
    for event in events:
        del event["user_pseudo_id"]
    write_ga4(landing / GA4_DAY, events)
    error = expect_rejected(
        landing,
        warehouse,
        GA4_DAY,
        policy,
        "required field missing from every line: user_pseudo_id",
    )
    assert error.column == "user_pseudo_id"


# -------------------------------------------------------------------------------- bad whole files


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize(
    ("relative", "content", "reason"),
    [
        (CONTACTS_FILE, b"", "empty file (0 bytes): nothing to load"),
        ("ga4/events_20240103.json", b"", "empty file (0 bytes): nothing to load"),
        ("ga4/events_20240103.json.gz", gzip.compress(b"\n\n"), "empty file: no JSON lines"),
        (CONTACTS_FILE, b"\n\n", "empty file: no header line"),
    ],
)
def test_empty_file_is_rejected(
    landing: Path, warehouse: Path, policy: str, relative: str, content: bytes, reason: str
) -> None:
    load_all(warehouse, landing)
    (landing / relative).write_bytes(content)
    expect_rejected(landing, warehouse, relative, policy, reason)


def test_header_only_csv_loads_zero_rows_with_a_warning(landing: Path, warehouse: Path) -> None:
    load_all(warehouse, landing)
    (landing / CONTACTS_FILE).write_text(CONTACTS.splitlines()[0] + "\n")
    reports = load_all(warehouse, landing)
    outcome = outcomes(reports)[CONTACTS_FILE]
    assert (outcome.status, outcome.rows) == ("replaced", 0)
    assert "header only: the file has no data rows" in outcome.notes
    assert query(warehouse, "select count(*) from raw.crm_contacts") == [(0,)]
    assert manifest_of(warehouse, CONTACTS_FILE)[-1] == (
        "replaced",
        0,
        0,
        "new columns kept in _extra: Portal Extra; header only: the file has no data rows",
    )


def test_duplicate_delivery_is_skipped_naming_the_earlier_file(
    landing: Path, warehouse: Path
) -> None:
    copy = "crm/contacts_resent.csv"
    # First the copy holds other contacts, so it has rows of its own.
    (landing / copy).write_text(CONTACTS.replace("101,", "201,").replace("102,", "202,"))
    load_all(warehouse, landing)
    assert query(warehouse, "select count(*) from raw.crm_contacts") == [(4,)]
    contacts_rows = (
        f"select * from raw.crm_contacts where _source_file = '{CONTACTS_FILE}' order by all"
    )
    contacts_before = query(warehouse, contacts_rows)

    # Then it is re-sent with exactly contacts.csv's content: a duplicate delivery.
    shutil.copyfile(landing / CONTACTS_FILE, landing / copy)
    reports = load_all(warehouse, landing)
    outcome = outcomes(reports)[copy]
    note = f"duplicate delivery: same content as {CONTACTS_FILE}, which is already loaded; skipped"
    assert (outcome.status, outcome.rows, outcome.notes) == ("duplicate", 0, [note])
    assert manifest_of(warehouse, copy)[-1] == ("duplicate", 0, None, note)
    # Its older version's rows are gone; contacts.csv's rows are untouched.
    assert query(
        warehouse, "select _source_file, record_id from raw.crm_contacts order by 1, 2"
    ) == [(CONTACTS_FILE, 101), (CONTACTS_FILE, 102)]
    assert query(warehouse, contacts_rows) == contacts_before

    # The same state again changes nothing, not even the manifest.
    settled = table_contents(warehouse)
    reports = load_all(warehouse, landing)
    assert outcomes(reports)[copy].status == "duplicate"
    assert table_contents(warehouse) == settled


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize(
    ("relative", "content", "reason"),
    [
        (
            CONTACTS_FILE,
            ORDERS,
            "not a crm_contacts export (HubSpot contacts export): looks like a shopify_orders "
            "export (Shopify orders export); move it to orders/ (files named orders_export*.csv)",
        ),
        (
            "crm/orders_export.csv",
            ORDERS,
            "in the wrong folder: looks like a shopify_orders export (Shopify orders export); "
            "move it to orders/ (files named orders_export*.csv)",
        ),
        (
            "crm/deals.csv",
            CONTACTS,
            "not a crm_deals export (HubSpot deals export): looks like a crm_contacts export "
            "(HubSpot contacts export); rename it to match contacts*.csv",
        ),
        (
            "email/events_20240105.json.gz",
            gzip.compress(json.dumps(ga4_event(1)).encode()),
            "in the wrong folder: looks like a ga4_events export (GA4 BigQuery export); move it "
            "to ga4/",
        ),
    ],
)
def test_export_in_the_wrong_place_is_rejected_saying_where_it_belongs(
    landing: Path, warehouse: Path, policy: str, relative: str, content: str | bytes, reason: str
) -> None:
    load_all(warehouse, landing)
    (landing / relative).parent.mkdir(exist_ok=True)
    if isinstance(content, bytes):
        (landing / relative).write_bytes(content)
    else:
        (landing / relative).write_text(content)
    expect_rejected(landing, warehouse, relative, policy, reason)


def test_unknown_file_in_a_source_folder_is_reported_not_silently_skipped(
    landing: Path, warehouse: Path
) -> None:
    (landing / "crm" / "notes.txt").write_text("call Ann back\n")
    for _ in range(2):
        reports = load_all(warehouse, landing)
        outcome = outcomes(reports)["crm/notes.txt"]
        assert outcome.status == "ignored"
    note = (
        "matches no file pattern of crm/ (contacts*.csv, deals*.csv, nps_responses*.csv); "
        "not loaded"
    )
    assert outcome.notes == [note]
    assert manifest_of(warehouse, "crm/notes.txt") == [("ignored", None, None, note)]


def cp1252_contacts(path: Path) -> None:
    path.write_bytes(CONTACTS.replace("Ann,", "Zoë,").encode("cp1252"))


def cp1252_header(path: Path) -> None:
    path.write_bytes(CONTACTS.replace("First Name", "Prénom").encode("cp1252"))


def cp1252_ga4_line(path: Path) -> None:
    events = [json.dumps(ga4_event(i)) for i in range(1, 4)]
    events[1] = events[1].replace("page_view", "page_vüew")
    with gzip.open(path, "wb") as handle:
        handle.write(("\n".join(events) + "\n").encode("cp1252"))


def decoded(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize(
    ("relative", "spoil", "bad_byte", "suggestion"),
    [
        (CONTACTS_FILE, cp1252_contacts, b"\xeb", "it decodes as Windows-1252 (cp1252): '101,Zoë,"),
        (
            CONTACTS_FILE,
            cp1252_header,
            b"\xe9",
            "it decodes as Windows-1252 (cp1252): 'Record ID,Pr",
        ),
        (GA4_DAY, cp1252_ga4_line, b"\xfc", "it decodes as Windows-1252 (cp1252)"),
    ],
)
def test_wrong_encoding_names_byte_offset_and_line_and_suggests_one(
    landing: Path,
    warehouse: Path,
    policy: str,
    relative: str,
    spoil,
    bad_byte: bytes,
    suggestion: str,
) -> None:
    load_all(warehouse, landing)
    spoil(landing / relative)
    data = decoded(landing / relative)
    offset = data.index(bad_byte)
    line = data[:offset].count(b"\n") + 1
    where = "decompressed byte offset" if relative.endswith(".gz") else "byte offset"
    expect_rejected(
        landing,
        warehouse,
        relative,
        policy,
        f"not UTF-8 text: byte 0x{bad_byte.hex().upper()} at {where} {offset} (line {line})",
        suggestion,
        "re-save (or re-export) the file as UTF-8",
    )


@pytest.mark.parametrize("policy", POLICIES)
def test_utf16_file_is_named_by_its_byte_order_mark(
    landing: Path, warehouse: Path, policy: str
) -> None:
    load_all(warehouse, landing)
    (landing / CONTACTS_FILE).write_bytes(CONTACTS.encode("utf-16"))
    expect_rejected(
        landing,
        warehouse,
        CONTACTS_FILE,
        policy,
        "not UTF-8: the file starts with a UTF-16 (little-endian) byte-order mark (FF FE)",
    )


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolon"), ("\t", "tab")])
def test_wrong_delimiter_says_which_one_the_file_uses(
    landing: Path, warehouse: Path, policy: str, delimiter: str, name: str
) -> None:
    load_all(warehouse, landing)
    (landing / CONTACTS_FILE).write_text(CONTACTS.replace(",", delimiter))
    expect_rejected(
        landing,
        warehouse,
        CONTACTS_FILE,
        policy,
        f"wrong delimiter: the header is one single column but contains {delimiter!r} 5 times; "
        f"the file seems to be {name}-delimited, this source expects ',' (comma)",
    )


# ------------------------------------------------------------------------- configuration, Dagster


def set_policy(monkeypatch: pytest.MonkeyPatch, value: object) -> None:
    configured = config.dbt_vars()
    monkeypatch.setattr(config, "dbt_vars", lambda: configured | {"bad_input_policy": value})


def test_policy_comes_from_dbt_project_vars(monkeypatch: pytest.MonkeyPatch) -> None:
    tables = list(all_raw_tables())
    assert {policy_for(t, tables) for t in tables} == {REJECT_FILE}  # as shipped
    set_policy(monkeypatch, {"default": REJECT_FILE, "ga4_events": QUARANTINE_ROWS})
    assert policy_for("ga4_events", tables) == QUARANTINE_ROWS
    assert policy_for("crm_contacts", tables) == REJECT_FILE
    set_policy(monkeypatch, {"ga4_event": QUARANTINE_ROWS})
    with pytest.raises(ValueError, match="unknown raw table.*ga4_event"):
        policy_for("ga4_events", tables)
    set_policy(monkeypatch, {"default": "skip_rows"})
    with pytest.raises(ValueError, match="'skip_rows'; use one of reject_file, quarantine_rows"):
        policy_for("ga4_events", tables)


def materialize_contacts(
    landing: Path, warehouse: Path, instance: dg.DagsterInstance
) -> dg.ExecuteInProcessResult:
    resource = WarehouseResource(landing_dir=str(landing), warehouse_path=str(warehouse))
    return dg.materialize(
        [raw_loader_asset(CRM_CONTACTS)],
        resources={"warehouse": resource},
        instance=instance,
        raise_on_error=False,
    )


def test_raw_asset_reports_each_file_as_metadata(
    landing: Path, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_policy(monkeypatch, {"default": REJECT_FILE, "crm_contacts": QUARANTINE_ROWS})
    write_planted_contacts(landing / CONTACTS_FILE)
    shutil.copyfile(landing / CONTACTS_FILE, landing / "crm" / "contacts_again.csv")
    with dg.DagsterInstance.ephemeral() as instance:
        result = materialize_contacts(landing, warehouse, instance)
    assert result.success
    [materialization] = result.asset_materializations_for_node("raw__crm_contacts")
    metadata = {key: value.value for key, value in materialization.metadata.items()}
    assert metadata["bad_input_policy"] == QUARANTINE_ROWS
    assert metadata["files_loaded"] == 1
    assert metadata["files_duplicate"] == 1
    assert metadata["files_rejected"] == 0
    assert metadata["rows_written"] == len(PLANTED_CONTACTS_GOOD)
    assert metadata["rows_quarantined"] == len(PLANTED_CONTACTS_BAD)
    assert metadata["drift_columns"] == {CONTACTS_FILE: ["Portal Extra"]}
    assert metadata["dagster/row_count"] == len(PLANTED_CONTACTS_GOOD)
    assert f"| {CONTACTS_FILE} | loaded | 3 | 3 | Portal Extra |" in metadata["files"]
    assert "| crm/contacts_again.csv | duplicate | 0 | 0 |" in metadata["files"]


def test_raw_asset_fails_naming_rejected_files_and_still_reports(
    landing: Path, warehouse: Path
) -> None:
    write_planted_contacts(landing / CONTACTS_FILE)
    (landing / "crm" / "contacts_2.csv").write_text(CONTACTS.replace("10", "20"))
    with dg.DagsterInstance.ephemeral() as instance:
        result = materialize_contacts(landing, warehouse, instance)
        assert not result.success
        [failure] = result.get_step_failure_events()
        message = failure.step_failure_data.error.message
        assert "1 file(s) rejected for raw.crm_contacts" in message
        assert (
            f"file {CONTACTS_FILE}, row 2, column 'Record ID': required value is empty" in message
        )
        [observation] = [
            record.asset_observation
            for record in instance.all_logs(
                result.run_id, of_type=dg.DagsterEventType.ASSET_OBSERVATION
            )
        ]
    metadata = {key: value.value for key, value in observation.metadata.items()}
    assert (metadata["files_rejected"], metadata["files_loaded"]) == (1, 1)
    assert metadata["rejected"] == {CONTACTS_FILE: manifest_of(warehouse, CONTACTS_FILE)[-1][3]}
    # The good file still loaded.
    assert query(warehouse, "select record_id from raw.crm_contacts order by 1") == [(201,), (202,)]


def test_warehouse_from_before_issue_7_gets_the_new_columns(landing: Path, warehouse: Path) -> None:
    warehouse.parent.mkdir(parents=True)
    con = duckdb.connect(str(warehouse))
    con.execute("create schema raw")
    con.execute(
        "create table raw.load_manifest (file_path VARCHAR NOT NULL, source_table VARCHAR NOT "
        "NULL, file_size BIGINT NOT NULL, file_hash VARCHAR NOT NULL, row_count BIGINT, "
        "loaded_at TIMESTAMP NOT NULL, status VARCHAR NOT NULL, message VARCHAR)"
    )
    con.execute(
        "create table raw.marketing_spend (date DATE, source VARCHAR, medium VARCHAR, "
        "campaign VARCHAR, cost DECIMAL(18,4), currency VARCHAR, impressions BIGINT, clicks BIGINT, "
        "_source_file VARCHAR, _source_row BIGINT, _loaded_at TIMESTAMP)"
    )
    con.close()
    write_planted_contacts(landing / CONTACTS_FILE)
    load_all(warehouse, landing, policy=QUARANTINE_ROWS)
    assert manifest_of(warehouse, CONTACTS_FILE)[-1][:3] == ("loaded", 3, 3)
    assert query(
        warehouse,
        "select column_name from information_schema.columns "
        "where table_name = 'marketing_spend' and column_name = '_extra'",
    ) == [("_extra",)]
