"""The benchmark harness's bookkeeping (issue 8): invariants, not timings.

Timings are never asserted: `journey bench run` prints them. These tests check that the harness
adds time up honestly (overlapping dbt nodes split, stages within the wall time), derives its
ratios from its own measurements, survives a JSON round trip, and measures the floor and peak
memory of real processes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.bench.memory import PeakSampler, tree_rss_bytes
from orchestration.bench.pipeline import (
    GENERATED_RECORD,
    median_run,
    reusable_generation,
    run_phase,
    split_landing,
)
from orchestration.bench.report import derive, format_table, write_json
from orchestration.bench.scale import EVENTS_PER_CUSTOMER, parse_count, scale_for
from orchestration.bench.timeline import dbt_layers, node_layer, run_stages, wall_shares
from orchestration.cli import build_parser
from orchestration.generator import generate


def test_wall_shares_split_overlaps_evenly() -> None:
    # a runs 0-4, b 2-6 (overlapping a for 2 s), c alone 10-11: by hand a = 2 + 2/2, b = 2/2 + 2
    shares = wall_shares({"a": (0.0, 4.0), "b": (2.0, 6.0), "c": (10.0, 11.0)})
    assert shares == pytest.approx({"a": 3.0, "b": 3.0, "c": 1.0})
    assert sum(shares.values()) == pytest.approx(7.0)  # busy time 0-6 and 10-11, not 9 node-s


def _result(unique_id: str, start: str, end: str) -> dict:
    return {
        "unique_id": unique_id,
        "execution_time": 1.0,
        "timing": [
            {"name": "compile", "started_at": start, "completed_at": start},
            {"name": "execute", "started_at": start, "completed_at": end},
        ],
    }


def test_dbt_layers_and_stages_stay_within_the_step_wall_time() -> None:
    python = {"int_customers__clv_fits"}
    results = {
        "results": [
            _result(
                "model.journey.stg_ga4__events", "2026-01-01T00:00:00Z", "2026-01-01T00:00:10Z"
            ),
            _result(
                "model.journey.stg_crm__contacts", "2026-01-01T00:00:05Z", "2026-01-01T00:00:10Z"
            ),
            _result(
                "model.journey.int_ga4__sessions", "2026-01-01T00:00:10Z", "2026-01-01T00:00:14Z"
            ),
            _result(
                "model.journey.int_customers__clv_fits",
                "2026-01-01T00:00:14Z",
                "2026-01-01T00:00:16Z",
            ),
            _result("model.journey.fct_sessions", "2026-01-01T00:00:16Z", "2026-01-01T00:00:18Z"),
            _result(
                "test.journey.not_null_fct_sessions_x.abc",
                "2026-01-01T00:00:18Z",
                "2026-01-01T00:00:19Z",
            ),
        ]
    }
    layers = dbt_layers(results, python)
    # staging: stg_ga4 alone 0-5 (5 s) + shared 5-10 (2.5 s each): 7.5 + 2.5 = 10 s wall, 15 node-s
    assert layers["staging"] == {"seconds": pytest.approx(10.0), "node_seconds": 15.0, "nodes": 2}
    assert layers["intermediate"]["seconds"] == pytest.approx(4.0)
    assert layers["python fits"]["seconds"] == pytest.approx(2.0)
    assert layers["marts"]["seconds"] == pytest.approx(2.0)
    assert layers["tests"]["seconds"] == pytest.approx(1.0)
    steps = {"raw__ga4_events": 30.0, "journey_dbt_assets": 25.0, "published__warehouse": 3.0}
    stages = run_stages(steps, layers)
    assert stages["load ga4_events"] == 30.0 and stages["publish"] == 3.0
    assert stages["dbt other"] == pytest.approx(25.0 - 19.0)
    assert sum(stages.values()) == pytest.approx(sum(steps.values()))


def test_node_layer_by_name_and_kind() -> None:
    assert node_layer("model.journey.stg_x__y", set()) == "staging"
    assert node_layer("model.journey.mart_x", set()) == "marts"
    assert node_layer("model.journey.int_a__fit", {"int_a__fit"}) == "python fits"
    assert node_layer("unit_test.journey.int_a.t", set()) == "unit tests"
    assert node_layer("seed.journey.currency_rates", set()) == "seeds"


def test_scale_arguments() -> None:
    assert parse_count("1M") == 1_000_000 and parse_count("250k") == 250_000
    assert parse_count("12345") == 12_345
    with pytest.raises(ValueError):
        parse_count("ten")
    scale = scale_for(10_000_000)
    assert scale.customers == round(10_000_000 / EVENTS_PER_CUSTOMER)
    assert scale.days == scale.history_days + 1


def _fake_run(seconds: float, events: int, stages: dict[str, float]) -> dict:
    return {
        "success": True,
        "errors": [],
        "seconds": seconds,
        "stages": stages,
        "ga4_events_in_raw": events,
        "warehouse_bytes": 10,
        "published_bytes": 5,
        "peak_rss_bytes": 100,
    }


def test_derived_figures_come_from_the_measurements_and_round_trip(tmp_path: Path) -> None:
    report = {
        "scale": {"events_target": 1000, "customers": 10, "history_days": 3, "days_generated": 4},
        "settings": {"ga4_format": "json", "unit_tests": False},
        "machine": {"load_average_start": [1.0], "load_average_end": [1.0]},
        "generate": {"seconds": 1.0, "peak_rss_bytes": 50},
        "floor": {"seconds": 2.0, "peak_rss_bytes": 70},
        "full": _fake_run(8.0, 1000, {"load ga4_events": 3.0, "dbt marts": 4.0}),
        "incremental": _fake_run(1.0, 1200, {"load ga4_events": 0.5}),
    }
    report["derived"] = derive(report)
    d = report["derived"]
    assert d["events_per_second"] == 1000 / 8.0
    assert d["full_over_floor"] == 8.0 / 2.0
    assert d["incremental_over_full"] == 1.0 / 8.0
    assert d["new_day_events"] == 200
    assert d["peak_rss_bytes"] == 100
    write_json(report, tmp_path / "bench.json")
    assert json.loads((tmp_path / "bench.json").read_text()) == report
    table = format_table(report)
    assert "4.00x" in table and "12.5%" in table
    # the rest of the wall time is shown, so the stage column adds up to the total
    assert "orchestration (rest)" in table and f"{8.0 - 7.0:>14.1f}" in table
    # --no-floor: no ratio to a floor, and the peak is over the phases that ran
    del report["floor"]
    report["generate"]["peak_rss_bytes"] = 150
    without_floor = derive(report)
    assert without_floor["floor_seconds"] is None and without_floor["full_over_floor"] is None
    assert without_floor["peak_rss_bytes"] == 150
    report["derived"] = without_floor
    assert "floor: not measured" in format_table(report)


def test_nightly_runs_report_the_median_run_and_the_highest_peak() -> None:
    runs = [
        _fake_run(5.0, 1200, {"load ga4_events": 0.7}) | {"peak_rss_bytes": 100},
        _fake_run(3.0, 1200, {"load ga4_events": 0.4}) | {"peak_rss_bytes": 300},
        _fake_run(4.0, 1200, {"load ga4_events": 0.5}) | {"peak_rss_bytes": 200},
    ]
    median = median_run(runs)
    assert median["seconds"] == 4.0 and median["stages"] == {"load ga4_events": 0.5}
    assert median["runs_seconds"] == [5.0, 3.0, 4.0]
    assert median["peak_rss_bytes"] == 300
    # an even count takes the lower middle; one run is itself
    assert median_run(runs[:2])["seconds"] == 3.0
    assert median_run(runs[:1])["runs_seconds"] == [5.0]
    report = {
        "scale": {"events_target": 1000, "customers": 10, "history_days": 3, "days_generated": 4},
        "settings": {"ga4_format": "json", "unit_tests": False},
        "machine": {"load_average_start": [1.0], "load_average_end": [1.0]},
        "generate": {"seconds": 1.0, "peak_rss_bytes": 50},
        "full": _fake_run(16.0, 1000, {"load ga4_events": 3.0}),
        "incremental": median,
    }
    report["derived"] = derive(report)
    assert report["derived"]["incremental_over_full"] == 4.0 / 16.0
    assert "25.0% (median of 3 nightly runs: 5.0, 3.0, 4.0 s)" in format_table(report)
    arguments = ["bench", "run", "--nightly-runs"]
    assert build_parser().parse_args([*arguments, "3"]).nightly_runs == 3
    assert build_parser().parse_args(["bench", "run"]).nightly_runs == 1
    with pytest.raises(SystemExit):
        build_parser().parse_args([*arguments, "0"])


def test_peak_sampler_sees_a_child_that_holds_memory() -> None:
    hold = 300 << 20
    code = f"b = bytearray({hold}); b[::4096] = b'x' * len(b[::4096]); import time; time.sleep(1.5)"
    child = subprocess.Popen([sys.executable, "-c", code])
    with PeakSampler(child.pid, interval=0.05) as sampler:
        child.wait()
    assert sampler.samples > 3
    assert sampler.peak >= hold
    assert tree_rss_bytes(child.pid) == 0  # gone: nothing left to count


def test_floor_phase_reads_every_landing_file(tmp_path: Path) -> None:
    generated, landing = tmp_path / "generated", tmp_path / "landing"
    summary = generate(out_dir=generated, customers=60, days=4, seed=3)
    new_day = split_landing(generated, landing)
    assert [p.name for p in new_day] == ["events_20240104.json.gz"]
    assert not (landing / "ga4" / "events_20240104.json.gz").exists()
    floor = run_phase("floor", tmp_path, landing=landing, database=tmp_path / "floor.duckdb")
    assert floor["peak_rss_bytes"] > 0 and floor["process_seconds"] >= floor["seconds"]
    assert sum(t["seconds"] for t in floor["tables"].values()) <= floor["seconds"]
    con = duckdb.connect(str(tmp_path / "floor.duckdb"), read_only=True)
    try:
        day_events = con.execute(
            "select count(*) from read_json_auto(?)", [str(new_day[0])]
        ).fetchall()[0][0]
    finally:
        con.close()
    # the floor loaded every GA4 event but the held-back day's, and every CSV row
    assert floor["tables"]["ga4_events"]["rows"] == summary.ga4_events - day_events
    assert floor["tables"]["shopify_orders"]["rows"] == summary.rows["orders/orders_export.csv"]


def test_generated_data_is_reused_only_for_the_same_arguments(tmp_path: Path) -> None:
    arguments = {"customers": 60, "days": 4, "seed": 3, "format": "json"}
    assert reusable_generation(tmp_path, arguments) is None  # nothing recorded: generate
    result = {"seconds": 1.5, "ga4_events": 1234, "peak_rss_bytes": 99}
    write_json({"arguments": arguments, "result": result}, tmp_path / GENERATED_RECORD)
    assert reusable_generation(tmp_path, dict(arguments)) == result
    for changed in ({"seed": 4}, {"days": 5}, {"customers": 61}, {"format": "parquet"}):
        assert reusable_generation(tmp_path, arguments | changed) is None


def test_dbt_profile_and_loaders_default_to_the_same_duckdb_memory_limit(monkeypatch) -> None:
    """profiles.yml cannot import Python: its env_var default must be config.py's by hand."""
    from orchestration.config import (
        DEFAULT_MEMORY_LIMIT,
        MEMORY_LIMIT_ENV,
        PROJECT_DIR,
        duckdb_memory_limit,
    )

    profile = (PROJECT_DIR / "profiles.yml").read_text()
    assert _profile_memory_limit_default(profile) == DEFAULT_MEMORY_LIMIT
    monkeypatch.delenv(MEMORY_LIMIT_ENV, raising=False)
    assert duckdb_memory_limit() == DEFAULT_MEMORY_LIMIT
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "5GB")
    assert duckdb_memory_limit() == "5GB"


def test_block_allocator_keeps_the_memory_limit_in_dbt_and_the_loaders(
    tmp_path: Path, monkeypatch
) -> None:
    """DuckDB's default keeps no freed block memory (0 bytes); the loaders' connection and dbt's
    profile keep up to the memory limit unless JOURNEY_DUCKDB_BLOCK_ALLOCATOR_MEMORY says."""
    from orchestration.config import (
        BLOCK_ALLOCATOR_MEMORY_ENV,
        MEMORY_LIMIT_ENV,
        PROJECT_DIR,
    )
    from orchestration.loaders.landing import connect

    def setting(con: duckdb.DuckDBPyConnection) -> str:
        return con.execute("select current_setting('block_allocator_memory')").fetchall()[0][0]

    def as_duckdb_shows(value: str) -> str:
        con = duckdb.connect()
        try:
            con.execute(f"set block_allocator_memory = '{value}'")
            return setting(con)
        finally:
            con.close()

    def loaders_setting(name: str) -> str:
        con = connect(tmp_path / name)
        try:
            return setting(con)
        finally:
            con.close()

    plain = duckdb.connect()
    try:
        assert setting(plain) == "0 bytes"
    finally:
        plain.close()
    monkeypatch.delenv(BLOCK_ALLOCATOR_MEMORY_ENV, raising=False)
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "2GB")
    assert loaders_setting("a.duckdb") == as_duckdb_shows("2GB")
    monkeypatch.setenv(BLOCK_ALLOCATOR_MEMORY_ENV, "512MB")
    assert loaders_setting("b.duckdb") == as_duckdb_shows("512MB")

    profile = (PROJECT_DIR / "profiles.yml").read_text()
    assert re.findall(r"block_allocator_memory: \"(.*)\"", profile) == [
        f"{{{{ env_var('{BLOCK_ALLOCATOR_MEMORY_ENV}', env_var('{MEMORY_LIMIT_ENV}', "
        f"'{_profile_memory_limit_default(profile)}')) }}}}"
    ]


def _profile_memory_limit_default(profile: str) -> str:
    from orchestration.config import MEMORY_LIMIT_ENV

    (default,) = re.findall(
        rf"memory_limit: \"{{{{ env_var\('{MEMORY_LIMIT_ENV}', '([^']+)'\) }}}}\"", profile
    )
    return default


def test_loaders_spill_where_duckdb_would_unless_told_otherwise(
    tmp_path: Path, monkeypatch
) -> None:
    from orchestration.config import TEMP_DIRECTORY_ENV
    from orchestration.loaders.landing import connect

    def spill_folder(warehouse: Path) -> str:
        con = connect(warehouse)
        try:
            return con.execute("select current_setting('temp_directory')").fetchall()[0][0]
        finally:
            con.close()

    warehouse = tmp_path / "journey.duckdb"
    monkeypatch.delenv(TEMP_DIRECTORY_ENV, raising=False)
    plain = duckdb.connect(str(tmp_path / "plain.duckdb"))
    try:
        duckdb_default = plain.execute("select current_setting('temp_directory')").fetchall()[0][0]
    finally:
        plain.close()
    assert duckdb_default == str(tmp_path / "plain.duckdb.tmp")
    assert spill_folder(warehouse) == str(tmp_path / "journey.duckdb.tmp")
    monkeypatch.setenv(TEMP_DIRECTORY_ENV, str(tmp_path / "spill"))
    assert spill_folder(warehouse) == str(tmp_path / "spill")


@pytest.mark.parametrize("package", ["orchestration.clv", "orchestration.experiments"])
def test_scipy_users_import_all_of_scipy_first(package: str) -> None:
    """dbt runs Python models in threads; scipy imported piecemeal by two at once deadlocked."""
    probe = (
        "import sys, importlib; "
        f"importlib.import_module('{package}'); "
        "print(sorted(m for m in ('scipy.integrate', 'scipy.optimize', 'scipy.special', "
        "'scipy.stats') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [
        "['scipy.integrate',",
        "'scipy.optimize',",
        "'scipy.special',",
        "'scipy.stats']",
    ]
