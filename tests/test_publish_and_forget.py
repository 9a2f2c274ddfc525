"""Write-audit-publish, crash safety and erasure end to end, on one generated sample.

One scripted night (the fixture `night`), while a BI reader process polls the published file:

1. `journey run` publishes version 1.
2. `journey forget --email X` erases a person and publishes version 2.
3. The exports that held the person are re-delivered (same rows, new bytes) and loaded.
4. An empty export is rejected by the loader, then planted bad raw rows fail error-level dbt
   tests: each time `journey run` exits 1 and publishes nothing.
5. `journey run` is SIGKILLed (its whole process group) during dbt build, then during publish.
6. `journey run` recovers and publishes version 3, which must equal version 2 (same inputs).
"""

import contextlib
import csv
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from warehouse_compare import sorted_rows

from orchestration import marts_db, privacy
from orchestration.cli import main as journey
from orchestration.config import PROJECT_DIR, marts_file
from orchestration.generator import generate
from orchestration.loaders.landing import all_sources, files_of, load_all
from orchestration.runner import run_nightly

JOURNEY = Path(sys.executable).parent / "journey"
READER = Path(__file__).with_name("published_reader.py")
# dbt unit tests (SQL on fixtures, half of dbt's time here) are covered by make dbt-check
FAST = ("--skip-unit-tests", "--log-level", "WARNING")
PLANTED_TEST = "source_journey_unique_combination_ga4_ga4_events__source_file___source_row"
# the sources every person-level model depends on: their failed tests skip nearly the whole build
PLANTED_IN = (
    "ga4_events",
    "crm_contacts",
    "email_activity",
    "shopify_orders",
    "generic_order_lines",
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_captured(args: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = journey(args)
    return code, err.getvalue() + out.getvalue()


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = marts_db.connect(path, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def mart_rows(path: Path) -> dict[str, list[tuple]]:
    """Every mart's rows (of a published file, or of a working file's marts file), sorted; doubles
    rounded to 9 decimals (summation order)."""
    con = marts_db.connect(path, read_only=True)
    try:
        tables = con.execute(
            "select table_catalog, table_name from information_schema.tables "
            "where table_schema = 'marts' and table_name <> 'pipeline_runs' order by 2"
        ).fetchall()
        return {
            table: sorted_rows(con, catalog, "marts", table, round_floats=9)
            for catalog, table in tables
        }
    finally:
        con.close()


@dataclass
class Person:
    email: str
    email_hash: str
    customer_key: str
    long_ids: set[
        str
    ]  # found as substrings of any row (emails, hashes, device / user / subscriber ids)
    order_refs: set[str]  # matched exactly against every VARCHAR column


def pick_person(working: Path) -> Person:
    """A known customer with a device, a login, an order, a CRM contact and email activity."""
    email, customer_key, email_hash = query(
        working,
        """
        select i.identifier_value, d.customer_key, d.email_hash
        from marts.dim_customers d
        join intermediate.int_identity__identifiers i
            on i.customer_key = d.customer_key and i.identifier_type = 'email'
        where d.email_count = 1 and d.device_count >= 1 and d.user_id_count >= 1
            and d.order_count >= 1 and d.crm_contact_count >= 1 and not d.has_shared_device_cut
            and i.identifier_value in (select lower(trim(email)) from raw.email_activity
                                       where subscriber_id is not null)
        order by d.order_count desc, d.device_count desc, d.customer_key
        limit 1
        """,
    )[0]
    identifiers = query(
        working,
        "select identifier_type, identifier_value from intermediate.int_identity__identifiers "
        "where customer_key = ?",
        [customer_key],
    )
    subscribers = query(
        working,
        "select distinct subscriber_id from raw.email_activity "
        "where lower(trim(email)) = ? and subscriber_id is not null",
        [email],
    )
    long_ids = {email, email_hash, customer_key} | {s for (s,) in subscribers}
    long_ids |= {v for k, v in identifiers if k in ("user_pseudo_id", "user_id")}
    orders = {v for k, v in identifiers if k == "order"}
    return Person(email, email_hash, customer_key, long_ids, orders)


def traces(path: Path, person: Person) -> list[str]:
    """Where the person still appears: every table of every schema, the whole row as text
    (nested GA4 params included) for the long ids, every VARCHAR column for the order refs."""
    found = []
    con = marts_db.connect(path, read_only=True)  # a working file: with its marts file
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema not in ('information_schema', 'pg_catalog')"
        ).fetchall()
        needles = sorted(n.lower() for n in person.long_ids)
        for schema, table in tables:
            if (schema, table) == ("raw", "tombstones"):
                continue  # the salted hashes of the erasure itself
            relation = f'"{schema}"."{table}"'
            text = "lower(cast(r as varchar))"
            hits = con.execute(
                f"select {', '.join(f'count(*) filter (where contains({text}, ?))' for _ in needles)} "
                f"from {relation} as r",
                needles,
            ).fetchone()
            found += [
                f"{schema}.{table}: {n}" for n, hits_n in zip(needles, hits, strict=True) if hits_n
            ]
            varchar = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? "
                    "and table_name = ? and data_type = 'VARCHAR'",
                    [schema, table],
                ).fetchall()
            ]
            for column in varchar:
                hit = con.execute(
                    f'select count(*) from {relation} where "{column}" in ?',
                    [sorted(person.order_refs)],
                ).fetchone()[0]
                if hit:
                    found.append(f"{schema}.{table}.{column}: order")
    finally:
        con.close()
    return found


def redeliver_files_holding(landing: Path, person: Person) -> list[str]:
    """Re-deliver every export that holds the person: the same rows in new bytes (CSV with CRLF
    line ends, GA4 re-gzipped), so the loader sees a changed file and reloads it."""
    raw_ids = person.long_ids - {
        person.email_hash,
        person.customer_key,
    }  # as the exports spell them
    needles = [n.encode() for n in raw_ids]
    changed = []
    for path in sorted(landing.rglob("*")):
        if not path.is_file() or path.parts[len(landing.parts)] in ("_truth", "redelivery"):
            continue
        raw = path.read_bytes()
        content = gzip.decompress(raw) if path.name.endswith(".gz") else raw
        if not any(n in content for n in needles):
            continue
        if path.name.endswith(".gz"):
            path.write_bytes(gzip.compress(content, compresslevel=1, mtime=1))
        else:
            path.write_bytes(content.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
        assert path.read_bytes() != raw
        changed.append(path.relative_to(landing).as_posix())
    return changed


def start_run(night: "Night", name: str, **env: str) -> tuple[subprocess.Popen, Path]:
    stages = night.root / f"{name}.stages"
    log = open(night.root / f"{name}.log", "w")  # noqa: SIM115 - closed by the process's end
    process = subprocess.Popen(
        [JOURNEY, "run", "--landing", night.landing, "--warehouse", night.working, *FAST],
        env=os.environ | {"JOURNEY_STAGE_LOG": str(stages)} | env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: dbt dies with it, like a machine crash
    )
    return process, stages


def wait_for(condition, process: subprocess.Popen, what: str, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"run ended (code {process.returncode}) before {what}")
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def stage_detail(stages: Path, stage: str) -> str | None:
    if not stages.exists():
        return None
    for line in stages.read_text().splitlines():
        name, _, detail = line.partition("\t")
        if name == stage:
            return detail
    return None


def kill_group(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)


@dataclass
class Night:
    root: Path
    landing: Path
    working: Path
    published: Path
    versions: dict[str, Path] = field(default_factory=dict)
    shas: dict[str, str] = field(default_factory=dict)
    notes: dict = field(default_factory=dict)
    person: Person | None = None
    reads: list[dict] = field(default_factory=list)


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Night:
    root = tmp_path_factory.mktemp("night")
    n = Night(
        root,
        root / "landing",
        root / "wh" / "journey.duckdb",
        root / "wh" / "published" / "journey.duckdb",
    )
    generate(out_dir=n.landing, customers=300, days=20, seed=31)
    args = ["--landing", str(n.landing), "--warehouse", str(n.working)]

    # 1. version 1
    assert journey(["run", *args, *FAST]) == 0
    n.versions["v1"] = shutil.copyfile(n.published, root / "v1.duckdb")
    stop = root / "reader.stop"
    reads = root / "reader.jsonl"
    reader = subprocess.Popen([sys.executable, READER, n.published, reads, stop])
    try:
        # 2. forget -> version 2
        n.person = pick_person(n.working)
        n.notes["forget"] = run_captured(
            ["forget", "--email", f"  {n.person.email.upper()} ", *args, *FAST]
        )
        n.versions["v2"] = shutil.copyfile(n.published, root / "v2.duckdb")
        n.shas["v2"] = sha256(n.published)

        # 3. the old exports come back
        n.notes["redelivered"] = redeliver_files_holding(n.landing, n.person)
        n.notes["reload"] = load_all(n.working, n.landing)

        # 4a. a file the loader rejects stops the run before dbt
        bad_file = n.landing / "spend" / "spend_empty.csv"
        bad_file.write_bytes(b"")
        n.notes["load_failed"] = run_captured(["run", *args, *FAST])
        n.shas["after_load_failed"] = sha256(n.published)
        bad_file.unlink()

        # 4b. bad raw rows (a loader-contract breach: a loader writing a row under a key it already
        # holds, stamped with the load's time as loaders stamp every row) fail error-level tests on
        # the sources
        con = duckdb.connect(str(n.working))
        for table in PLANTED_IN:
            con.execute(
                f"insert into raw.{table} select * replace "
                f"(cast(timezone('UTC', now()) as timestamp) as _loaded_at) from raw.{table} limit 1"
            )
        con.close()
        n.notes["failed"] = run_captured(["run", *args, *FAST])
        n.shas["after_failed"] = sha256(n.published)
        con = duckdb.connect(str(n.working))
        for table in PLANTED_IN:  # the fix: drop the duplicates again
            con.execute(
                f"delete from raw.{table} where rowid in (select max(rowid) from raw.{table} "
                "group by _source_file, _source_row having count(*) > 1)"
            )
        con.close()

        # 5a. SIGKILL while dbt builds models
        process, stages = start_run(n, "kill_dbt")
        wait_for(lambda: stage_detail(stages, "dbt:build") is not None, process, "dbt build")
        built = Path(stage_detail(stages, "dbt:build")) / "run" / "journey" / "models"
        wait_for(lambda: (built / "staging").exists(), process, "dbt building models")
        kill_group(process)
        n.shas["after_kill_dbt"] = sha256(n.published)

        # 5b. SIGKILL while publishing (the temp file holds the marts, not yet the run records)
        process, stages = start_run(
            n, "kill_publish", JOURNEY_PAUSE_AT="publish:copying", JOURNEY_PAUSE_SECONDS="900"
        )
        wait_for(lambda: stage_detail(stages, "publish:copying") is not None, process, "publishing")
        n.notes["temp_during_publish"] = sorted(p.name for p in n.published.parent.iterdir())
        kill_group(process)
        n.shas["after_kill_publish"] = sha256(n.published)
        n.notes["temp_after_kill"] = sorted(p.name for p in n.published.parent.iterdir())

        # 6. recovery -> version 3 (run_nightly: journey run without the printing)
        n.notes["recovery"] = run_nightly(
            n.landing, n.working, n.published, skip_unit_tests=True, log_level="WARNING"
        )
        n.versions["v3"] = shutil.copyfile(n.published, root / "v3.duckdb")
        n.notes["published_dir"] = sorted(p.name for p in n.published.parent.iterdir())
        latest = query(
            n.published,
            "select run_id from marts.pipeline_runs where status = 'published' "
            "order by finished_at desc limit 1",
        )[0][0]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and latest not in reads.read_text():
            time.sleep(0.2)
    finally:
        stop.touch()
        reader.wait(timeout=60)
    n.reads = [json.loads(line) for line in reads.read_text().splitlines()]
    return n


def runs(path: Path, table: str = "ops.pipeline_runs") -> list[dict]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        cursor = con.execute(f"select * from {table} order by started_at")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def test_rejected_file_publishes_nothing_and_says_which(night: Night):
    code, output = night.notes["load_failed"]
    assert code == 1
    assert "spend/spend_empty.csv" in output and "NOT published" in output
    assert night.shas["after_load_failed"] == night.shas["v2"]
    failed = [r for r in runs(night.working) if r["status"] == "failed"]
    reason = failed[0]["reason"]
    assert reason.startswith("raw__marketing_spend: 1 file(s) rejected for raw.marketing_spend")
    assert "file spend/spend_empty.csv: empty file" in reason
    assert failed[0]["files_failed"] == 1 and failed[0]["published"] is False
    assert failed[0]["tests_passed"] is None  # dbt never ran


def test_failed_error_level_test_publishes_nothing_and_says_which(night: Night):
    code, output = night.notes["failed"]
    assert code == 1
    assert PLANTED_TEST in output and "NOT published" in output
    assert night.shas["after_failed"] == night.shas["v2"]
    failed = [r for r in runs(night.working) if r["status"] == "failed"][1:]
    assert len(failed) == 1
    assert failed[0]["published"] is False
    assert PLANTED_TEST in failed[0]["reason"] and "journey_dbt_assets" in failed[0]["reason"]
    assert f"{len(PLANTED_IN)} error-level test(s) failed" in failed[0]["reason"]
    assert failed[0]["tests_failed"] == len(PLANTED_IN) and failed[0]["models_skipped"] > 30


def test_sigkill_during_dbt_and_during_publish_leaves_the_published_file_intact(night: Night):
    assert night.shas["after_kill_dbt"] == night.shas["v2"]
    assert night.shas["after_kill_publish"] == night.shas["v2"]
    temp = [n for n in night.notes["temp_after_kill"] if n.endswith(".tmp")]
    assert len(temp) == 1 and temp[0].startswith(".journey.duckdb.")  # half-built, never seen
    assert night.notes["published_dir"] == ["journey.duckdb"]  # removed by the next run
    recovery = night.notes["recovery"]
    assert recovery.success, recovery.errors


def test_readers_never_fail_and_only_see_complete_versions(night: Night):
    assert len(night.reads) > 20
    errors = [r for r in night.reads if "error" in r]
    assert not errors, errors[:5]
    assert all(r["consistent"] and r["marts"] >= 15 for r in night.reads)
    published = [r["run_id"] for r in runs(night.working) if r["status"] == "published"]
    seen = list(dict.fromkeys(r["run_id"] for r in night.reads))
    assert seen == published  # versions 1, 2, 3 in order, nothing else


def test_recovered_marts_equal_the_uninterrupted_build(night: Night):
    before, after = mart_rows(night.versions["v2"]), mart_rows(night.versions["v3"])
    assert sorted(before) == sorted(after) and len(before) >= 15
    for table in before:
        assert before[table] == after[table], table
    # the working file's marts are the published ones
    assert mart_rows(night.working) == after


def test_run_records_tell_the_night(night: Night):
    records = runs(night.working)
    assert [(r["trigger"], r["status"]) for r in records] == [
        ("journey run", "published"),
        ("journey forget", "published"),
        ("journey run", "failed"),
        ("journey run", "failed"),
        ("journey run", "interrupted"),
        ("journey run", "interrupted"),
        ("journey run", "published"),
    ]
    recovery = records[-1]
    # Dagster shows the record as materialization metadata of the publish step
    metadata = night.notes["recovery"].publish_metadata
    assert metadata["status"] == "published" and metadata["published"] is True
    assert metadata["rows_per_model"] == json.loads(recovery["rows_per_model"])
    assert metadata["published_bytes"] == night.versions["v3"].stat().st_size
    assert metadata["tests_passed"] == recovery["tests_passed"]
    # each run closes the record of the run killed before it
    assert records[4]["run_id"] in records[5]["notes"]
    assert re.search(r"removed [12] temp file", recovery["notes"])
    assert f"closed 1 unfinished run record(s): {records[5]['run_id']}" in recovery["notes"]
    assert recovery["freshness_status"] == "pass"
    assert set(json.loads(recovery["freshness"])) == {
        "crm.crm_contacts",
        "crm.crm_deals",
        "crm.crm_nps_responses",
        "email.email_activity",
        "ga4.ga4_events",
        "generic_orders.generic_order_lines",
        "shopify.shopify_orders",
        "spend.marketing_spend",
    }
    # 5a cleared the build record; 5b built and passed everything before it was killed, so the
    # recovery leaves out every node no changed source reaches (only the clock-reading CLV fit
    # chain is rebuilt), and its tests plus those left out are the whole build's
    assert (
        records[0]["build_plan"]
        == records[5]["build_plan"]
        == "no complete passing build on record"
    )
    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    data_tests = sum(node["resource_type"] == "test" for node in manifest["nodes"].values())
    assert records[5]["tests_failed"] == 0
    assert records[5]["tests_passed"] + records[5]["tests_warned"] == data_tests
    assert records[5]["models_unchanged"] == records[5]["tests_unchanged"] == 0
    assert recovery["build_plan"] == "changed sources: none"
    assert recovery["tests_failed"] == 0 and recovery["tests_passed"] > 0
    assert recovery["models_unchanged"] > recovery["models_built"] > 0
    assert (
        recovery["tests_passed"] + recovery["tests_warned"] + recovery["tests_unchanged"]
        == records[5]["tests_passed"] + records[5]["tests_warned"]
    )
    assert recovery["models_built"] + recovery["models_unchanged"] == records[5]["models_built"]
    counted = {f"marts.{t}": len(rows) for t, rows in mart_rows(night.versions["v3"]).items()}
    recorded = {
        k: v for k, v in json.loads(recovery["rows_per_model"]).items() if k.startswith("marts.")
    }
    assert recorded == counted
    # the published history: every run, the failed one included, as BI sees it
    published = runs(night.versions["v3"], "marts.pipeline_runs")
    assert [r["run_id"] for r in published] == [r["run_id"] for r in records]
    assert PLANTED_TEST in published[3]["reason"]
    # the first run loaded every export: files and rows counted from the landing folder itself
    files = [f for s in all_sources() for f in files_of(night.landing, s)]
    assert (records[0]["files_loaded"], records[0]["files_skipped"]) == (len(files), 0)
    assert records[0]["rows_loaded"] == sum(data_rows(f) for f in files)
    assert records[1]["files_loaded"] == 0 and records[1]["files_skipped"] == len(files)


def data_rows(path: Path) -> int:
    if path.name.endswith(".gz"):
        return sum(1 for line in gzip.decompress(path.read_bytes()).splitlines() if line.strip())
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_forget_removes_the_person_everywhere(night: Night):
    person = night.person
    code, output = night.notes["forget"]
    assert code == 0, output[-3000:]
    assert "forgotten everywhere" in output
    # independent check of the hash: the tombstone of the email is dim_customers.email_hash
    kinds = query(night.working, "select kind, value_hash from raw.tombstones")
    assert ("email", person.email_hash) in kinds
    assert {k for k, _ in kinds} >= {
        "email",
        "user_pseudo_id",
        "user_id",
        "order",
        "crm_contact",
        "subscriber_id",
    }
    assert ("email", privacy.hash_value(person.email)) in kinds
    # before: the person is in version 1; after: nowhere in working, version 2 or version 3
    assert traces(night.versions["v1"], person)
    for path in (night.working, night.versions["v2"], night.versions["v3"]):
        assert traces(path, person) == [], path
    # not even in freed pages: the working files were compacted, the forget run's published file
    # written anew (not a copy of the marts file), the later one copied from the compacted file
    for path in (
        night.working,
        marts_file(night.working),
        night.versions["v2"],
        night.versions["v3"],
    ):
        assert person.email.encode() not in path.read_bytes(), path
    # the forget run rebuilt the marts, freeing blocks that held the person's rows; its published
    # file was written anew, not copied from the marts file with those blocks
    assert query(night.versions["v2"], "select free_blocks from pragma_database_size()") == [(0,)]


def test_forgotten_person_stays_gone_after_reloading_old_exports(night: Night):
    redelivered = night.notes["redelivered"]
    assert "crm/contacts.csv" in redelivered and "email/activity.csv" in redelivered
    assert any(f.startswith("ga4/") for f in redelivered)
    reloaded = {f.file_path: f.status for r in night.notes["reload"] for f in r.files}
    assert all(reloaded[f] == "replaced" for f in redelivered)
    messages = dict(
        query(
            night.working,
            "select file_path, message from raw.load_manifest where status = 'replaced'",
        )
    )
    for f in redelivered:
        assert "of forgotten persons withheld" in (messages[f] or ""), f
    con = duckdb.connect(str(night.working), read_only=True)
    try:
        assert set(privacy.remaining_rows(con).values()) == {0}
    finally:
        con.close()
