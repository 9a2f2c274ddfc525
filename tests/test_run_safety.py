"""Write-audit-publish building blocks, fast: the audit verdict, the atomic publish, the run lock,
a load killed inside its transaction, recovery of an unusable working file, dbt config contracts."""

import fcntl
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from orchestration import marts_db, privacy, publish, run_records
from orchestration.config import PROJECT_DIR, marts_file
from orchestration.dbt_audit import audit_build, audit_freshness
from orchestration.recovery import (
    RunInProgressError,
    acquire_run_lock,
    lock_path,
    prepare_run,
    release_run_lock,
)


def result(unique_id: str, status: str, failures: int | None = None, message: str = "") -> dict:
    return {"unique_id": unique_id, "status": status, "failures": failures, "message": message}


def test_audit_blocks_on_failed_error_tests_and_model_errors_only():
    results = {
        "results": [
            result("model.journey.fct_orders", "success"),
            result("seed.journey.currency_rates", "success"),
            result("test.journey.not_null_fct_orders_order_key.ab12", "pass"),
            result("test.journey.accepted_values_x.cd34", "warn", 3),
            result("unit_test.journey.fct_orders.u1", "pass"),
        ]
    }
    audit = audit_build(results, exit_ok=True)
    assert audit.passed and audit.reason is None
    assert audit.counts == {
        "models_built": 2,
        "models_failed": 0,
        "models_skipped": 0,
        "tests_passed": 2,
        "tests_failed": 0,
        "tests_warned": 1,
        "tests_skipped": 0,
    }

    results["results"] += [
        result("test.journey.unique_fct_orders_order_key.ef56", "fail", 2),
        result("model.journey.dim_customers", "error", message="Binder Error: x\nmore"),
        result("model.journey.fct_attribution", "skipped"),
    ]
    audit = audit_build(results, exit_ok=False)
    assert not audit.passed
    assert audit.counts["tests_failed"] == 1 and audit.counts["models_failed"] == 1
    assert audit.counts["models_skipped"] == 1
    assert "test unique_fct_orders_order_key fail (2 failing row(s))" in audit.reason
    assert "model dim_customers error: Binder Error: x" in audit.reason
    assert not audit_build(None, exit_ok=False).passed


def test_freshness_reports_the_worst_source():
    sources = {
        "results": [
            {
                "unique_id": "source.journey.crm.crm_contacts",
                "status": "pass",
                "max_loaded_at_time_ago_in_s": 7200,
            },
            {
                "unique_id": "source.journey.ga4.ga4_events",
                "status": "warn",
                "max_loaded_at_time_ago_in_s": 40 * 3600,
            },
        ]
    }
    status, per_source = audit_freshness(sources)
    assert status == "warn"
    assert per_source["crm.crm_contacts"] == {"status": "pass", "hours_since_load": 2.0}
    assert per_source["ga4.ga4_events"]["hours_since_load"] == 40.0
    assert audit_freshness(None) == ("not checked", {})


def make_working(path: Path, rows: int) -> None:
    con = marts_db.connect(path)
    con.execute(f"create or replace table marts.fct_x as select range as i from range({rows})")
    con.execute("create or replace table marts.fct_x__dbt_tmp as select 1 as leftover")
    run_records.ensure(con)
    con.close()


def publish_once(working: Path, published: Path, run_id: str) -> publish.PublishResult:
    con = marts_db.connect(working)
    try:
        run_records.start(con, run_id, "test")
        return publish.publish(
            con,
            published,
            run_id,
            lambda c, table: run_records.copy_into(c, table, run_id, status="published"),
        )
    finally:
        con.close()


def test_publish_swaps_a_complete_copy_and_old_readers_keep_their_version(tmp_path):
    working, published = tmp_path / "journey.duckdb", tmp_path / "published" / "journey.duckdb"
    make_working(working, 10)
    first = publish_once(working, published, "run-1")
    assert first.path == published and first.bytes == published.stat().st_size

    # A reader in another process holds the first version open while the second is published.
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, sys, time
                con = duckdb.connect({str(published)!r}, read_only=True)
                print(con.execute("select count(*) from marts.fct_x").fetchone()[0], flush=True)
                sys.stdin.readline()
                print(con.execute("select count(*) from marts.fct_x").fetchone()[0], flush=True)
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout.readline().strip() == "10"
    make_working(working, 20)
    publish_once(working, published, "run-2")
    reader.stdin.write("\n")
    reader.stdin.flush()
    assert reader.stdout.readline().strip() == "10"  # the old inode, still whole
    reader.wait(timeout=30)

    con = duckdb.connect(str(published), read_only=True)
    try:
        assert con.execute("select count(*) from marts.fct_x").fetchone()[0] == 20
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        assert tables == {"fct_x", "pipeline_runs"}  # dbt scratch relations are not published
        runs = dict(con.execute("select run_id, status from marts.pipeline_runs").fetchall())
        assert runs == {"run-1": "running", "run-2": "published"}
    finally:
        con.close()
    assert sorted(p.name for p in published.parent.iterdir()) == ["journey.duckdb"]


def test_leftover_temp_files_are_removed(tmp_path):
    published = tmp_path / "published" / "journey.duckdb"
    published.parent.mkdir()
    published.write_bytes(b"published")
    for name in (".journey.duckdb.r1.tmp", ".journey.duckdb.r1.tmp.wal", "other.tmp"):
        (published.parent / name).write_bytes(b"x")
    removed = publish.remove_temp_files(published)
    assert {p.name for p in removed} == {".journey.duckdb.r1.tmp", ".journey.duckdb.r1.tmp.wal"}
    assert sorted(p.name for p in published.parent.iterdir()) == ["journey.duckdb", "other.tmp"]
    assert published.read_bytes() == b"published"


def test_second_run_is_refused_while_one_holds_the_lock(tmp_path):
    working = tmp_path / "journey.duckdb"
    lock_path(working).touch()
    fd = os.open(lock_path(working), os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another process's run
    try:
        with pytest.raises(RunInProgressError, match="another run is in progress"):
            acquire_run_lock(working)
    finally:
        os.close(fd)
    acquire_run_lock(working)
    acquire_run_lock(working)  # re-entrant in one process (journey forget runs the job)
    release_run_lock(working)
    release_run_lock(working)


def load_killed_at_manifest_row(working: Path, landing: Path, row: int) -> int:
    """Load `landing` into `working` in a child process that SIGKILLs itself right after writing
    its `row`-th manifest row (inside a load's transaction); the child's return code."""
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from orchestration.loaders import landing, manifest
        real_record = manifest.record
        recorded = []
        def killed(con, *args, **kwargs):
            real_record(con, *args, **kwargs)
            recorded.append(args)
            if len(recorded) == {row}:
                os.kill(os.getpid(), signal.SIGKILL)
        manifest.record = killed
        landing.load_all(Path({str(working)!r}), Path({str(landing)!r}))
        """
    )
    child = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_DIR, timeout=120)
    return child.returncode


def test_load_killed_inside_its_transaction_leaves_no_trace_and_reloads(tmp_path):
    landing, working = tmp_path / "landing", tmp_path / "journey.duckdb"
    (landing / "spend").mkdir(parents=True)
    (landing / "spend" / "spend.csv").write_text(
        "Date,Source,Medium,Campaign,Cost\n2024-03-01,google,cpc,brand,10.5\n"
        "2024-03-02,google,cpc,brand,12.25\n"
    )
    # rows and manifest row written, not committed
    assert load_killed_at_manifest_row(working, landing, 1) == -9

    con = duckdb.connect(str(working))
    try:
        assert con.execute("select count(*) from raw.marketing_spend").fetchone()[0] == 0
        assert con.execute("select count(*) from raw.load_manifest").fetchone()[0] == 0
    finally:
        con.close()

    from orchestration.loaders.landing import load_all

    reports = load_all(working, landing)
    spend = next(r for r in reports if r.table == "marketing_spend")
    assert [(f.status, f.rows) for f in spend.files] == [("loaded", 2)]
    con = duckdb.connect(str(working), read_only=True)
    try:
        assert con.execute("select sum(cost) from raw.marketing_spend").fetchone()[0] == 22.75
    finally:
        con.close()


@pytest.mark.parametrize("damaged", ["journey.duckdb", "journey.duckdb.marts"])
def test_unusable_working_file_is_moved_aside_and_reseeded(tmp_path, damaged):
    working = tmp_path / "journey.duckdb"
    published = tmp_path / "published" / "journey.duckdb"
    # history: a published file with two run records; one tombstone in the ledger
    make_working(working, 3)
    publish_once(working, published, "run-1")
    con = duckdb.connect(str(working))
    privacy.forget(con, working, "gone@example.com")
    con.close()
    (tmp_path / damaged).write_bytes(b"this is not a DuckDB file" * 1000)

    prep = prepare_run(working, published, "run-2", "test")
    release_run_lock(working)
    # the working file and its marts file are one warehouse: both move aside
    aside = sorted(
        p.name.split(".unusable-")[0] for p in tmp_path.iterdir() if ".unusable-" in p.name
    )
    assert aside == ["journey.duckdb", marts_file(working).name]
    assert any(f"{damaged} unusable" in note for note in prep.notes)
    con = marts_db.connect(working, read_only=True)
    try:
        marts = "select count(*) from duckdb_tables() where schema_name = 'marts'"
        assert con.execute(marts).fetchall() == [(0,)]
        runs = dict(con.execute("select run_id, status from ops.pipeline_runs").fetchall())
        assert runs == {"run-1": "published", "run-2": "running"}
        email_hash = privacy.hash_value("gone@example.com")
        kinds = con.execute("select kind, value_hash from raw.tombstones").fetchall()
        assert kinds == [("email", email_hash)]
    finally:
        con.close()


def test_tombstones_hashed_with_another_salt_stop_the_load(tmp_path, monkeypatch):
    con = duckdb.connect()
    privacy.ensure(con)
    con.execute(
        "insert into raw.tombstones values ('email', 'x', 'another-salt-id', 'x', now()::timestamp)"
    )
    con.execute("create temp table incoming as select 'a@b.c' as email")
    with pytest.raises(privacy.TombstoneSaltError, match="different email_hash_salt"):
        privacy.withhold_tombstoned(con, "crm_nps_responses", "incoming")


def manifest() -> dict:
    return json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())


def test_every_source_has_a_freshness_check_on_loaded_at():
    sources = manifest()["sources"].values()
    assert sources
    for source in sources:
        config = source["config"]
        assert config["loaded_at_field"] == "_loaded_at", source["unique_id"]
        freshness = config["freshness"]
        assert freshness["warn_after"]["count"] == 36, source["unique_id"]
        assert freshness["error_after"]["count"] == 72, source["unique_id"]


PII_COLUMNS = {
    "email",
    "first_name",
    "last_name",
    "phone",
    "phone_number",
    "associated_contact",
    "associated_contact_email",
    "associated_contact_name",
    "user_id",
    "user_pseudo_id",
    "subscriber_id",
    "comment",
    "customer_id",
    "identifier_value",
    "left_value",
    "right_value",
    "page_location",
    "page_referrer",
    "url",
}


def test_pii_columns_are_tagged():
    data = manifest()
    nodes = [*data["nodes"].values(), *data["sources"].values()]
    untagged = [
        f"{node['name']}.{name}"
        for node in nodes
        if node["resource_type"] in ("model", "source")
        for name, column in node.get("columns", {}).items()
        if name in PII_COLUMNS and not column.get("meta", {}).get("pii")
    ]
    assert not untagged, untagged


def test_nightly_job_publishes_last_and_records_failures(tmp_path):
    from orchestration.dbt_assets import journey_dbt_assets
    from orchestration.definitions import build_definitions
    from orchestration.publish_asset import PUBLISH_KEY, record_failure

    defs = build_definitions(tmp_path / "landing", tmp_path / "wh" / "journey.duckdb")
    job = defs.resolve_job_def("nightly")
    graph = job.asset_layer.asset_graph
    assert PUBLISH_KEY in graph.get_all_asset_keys()
    # downstream of every dbt model, so a failed model or blocking check skips it
    assert graph.get(PUBLISH_KEY).parent_keys == set(journey_dbt_assets.keys)
    assert record_failure in job.hook_defs
    resource = defs.resources["warehouse"]
    assert Path(resource.published_path) == tmp_path / "wh" / "published" / "journey.duckdb"
    # dagster-dbt makes error-severity dbt tests blocking checks, warn-severity ones not
    manifest_tests = {
        n["name"]: n["config"]["severity"].lower()
        for n in manifest()["nodes"].values()
        if n["resource_type"] == "test"
    }
    checks = list(journey_dbt_assets.check_specs)
    assert checks
    for spec in checks:
        assert spec.blocking == (manifest_tests[spec.name] == "error"), spec.name


def test_freshness_without_dbt_agrees_with_dbt_source_freshness(tmp_path: Path) -> None:
    """orchestration/freshness.py against `dbt source freshness` itself on the same warehouse:
    raw tables last loaded 2 h (pass), 40 h (warn, > 36 h) and 80 h (error, > 72 h) ago; the
    empty ones are infinitely old (error), as dbt has it."""
    import os
    import subprocess
    from datetime import UTC, datetime, timedelta

    from orchestration.dbt_assets import DBT_EXECUTABLE, dbt_project
    from orchestration.freshness import check_sources
    from orchestration.loaders.landing import connect

    warehouse = tmp_path / "journey.duckdb"
    con = connect(warehouse)
    now = datetime.now(UTC).replace(tzinfo=None)
    for table, hours in (("crm_contacts", 2), ("ga4_events", 40), ("shopify_orders", 80)):
        con.execute(
            f"insert into raw.{table} (_source_file, _source_row, _loaded_at) values ('f', 1, ?)",
            [now - timedelta(hours=hours)],
        )
    con.close()
    ours = {
        r["unique_id"]: r for r in check_sources(warehouse, dbt_project.manifest_path)["results"]
    }

    subprocess.run(
        [DBT_EXECUTABLE, "source", "freshness", "--target-path", str(tmp_path / "target")],
        cwd=PROJECT_DIR,
        env=os.environ | {"JOURNEY_WAREHOUSE": str(warehouse)},
        capture_output=True,
        check=False,
    )
    dbt = {
        r["unique_id"]: r
        for r in json.loads((tmp_path / "target" / "sources.json").read_text())["results"]
    }
    assert set(ours) == set(dbt) == {s["unique_id"] for s in manifest()["sources"].values()}
    for unique_id, result in dbt.items():
        assert ours[unique_id]["status"] == result["status"], unique_id
        assert (
            abs(
                ours[unique_id]["max_loaded_at_time_ago_in_s"]
                - result["max_loaded_at_time_ago_in_s"]
            )
            < 120
        ), unique_id
    expected = {
        "crm.crm_contacts": "pass",
        "ga4.ga4_events": "warn",
        "shopify.shopify_orders": "error",
    }
    for unique_id, result in ours.items():
        name = unique_id.split(".", 2)[2]
        assert result["status"] == expected.get(name, "error"), unique_id


def test_ga4_batch_killed_inside_its_transaction_leaves_no_trace_and_reloads(tmp_path):
    """Clean GA4 days load together in one transaction (loaders/ga4_batch.py): killed after the
    second file's manifest row, none of the batch is in raw or the manifest; the next run loads
    all three."""
    from test_loaders import ga4_event, write_ga4

    landing, working = tmp_path / "landing", tmp_path / "journey.duckdb"
    for day in (1, 2, 3):
        write_ga4(
            landing / "ga4" / f"events_2024010{day}.json.gz",
            [ga4_event(day * 10 + i) for i in range(day + 1)],
        )
    # inside the batch's transaction, nothing committed
    assert load_killed_at_manifest_row(working, landing, 2) == -9
    con = duckdb.connect(str(working))
    try:
        assert con.execute("select count(*) from raw.ga4_events").fetchall() == [(0,)]
        assert con.execute("select count(*) from raw.load_manifest").fetchall() == [(0,)]
    finally:
        con.close()

    from orchestration.loaders.landing import load_all

    reports = load_all(working, landing)
    ga4 = next(r for r in reports if r.table == "ga4_events")
    assert [(f.status, f.rows) for f in ga4.files] == [("loaded", 2), ("loaded", 3), ("loaded", 4)]
