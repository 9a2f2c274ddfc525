"""End to end: generated exports -> nightly job -> raw and staging, reloads and a GA4 re-export."""

import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration import marts_db
from orchestration.cli import main as journey
from orchestration.generator import generate

SOURCES_IN_STAGING = ("ga4", "crm", "email", "shopify", "spend", "generic_orders")


def counts(warehouse: Path, schema: str) -> dict[str, int]:
    con = marts_db.connect(warehouse, read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ?", [schema]
            ).fetchall()
        ]
        return {
            n: con.execute(f'select count(*) from {schema}."{n}"').fetchall()[0][0] for n in names
        }
    finally:
        con.close()


def rows_by_file(warehouse: Path) -> dict[str, tuple[int, int]]:
    """Per GA4 file: (rows, order-independent hash of its rows' content)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            f: (n, h)
            for f, n, h in con.execute(
                "select _source_file, count(*), "
                "sum(hash(event_timestamp, event_name, user_pseudo_id, event_params)) "
                "from raw.ga4_events group by 1"
            ).fetchall()
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def nightly(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("nightly")
    landing, warehouse = root / "landing", root / "journey.duckdb"
    generate(out_dir=landing, customers=400, days=21, seed=11)
    assert journey(["run", "--landing", str(landing), "--warehouse", str(warehouse)]) == 0
    return landing, warehouse


def test_every_staging_model_has_rows(nightly: tuple[Path, Path]) -> None:
    _, warehouse = nightly
    staging = counts(warehouse, "staging")
    for source in SOURCES_IN_STAGING:
        models = [name for name in staging if name.startswith(f"stg_{source}__")]
        assert models, f"no staging model for {source}"
        for name in models:
            assert staging[name] > 0, f"staging.{name} is empty"


def test_same_landing_twice_changes_nothing(nightly: tuple[Path, Path]) -> None:
    landing, warehouse = nightly
    raw_before, staging_before = counts(warehouse, "raw"), counts(warehouse, "staging")
    assert journey(["run", "--landing", str(landing), "--warehouse", str(warehouse)]) == 0
    assert counts(warehouse, "raw") == raw_before
    assert counts(warehouse, "staging") == staging_before


def test_reexported_ga4_day_changes_only_that_day(nightly: tuple[Path, Path]) -> None:
    landing, warehouse = nightly
    redelivered = sorted((landing / "redelivery" / "ga4").glob("events_*.json.gz"))
    assert len(redelivered) == 1
    target = landing / "ga4" / redelivered[0].name
    changed_file = f"ga4/{target.name}"
    before = rows_by_file(warehouse)
    con = duckdb.connect()
    redelivered_rows = con.execute(
        f"select count(*) from read_json('{redelivered[0]}', format='newline_delimited')"
    ).fetchall()[0][0]
    con.close()

    shutil.copyfile(redelivered[0], target)
    assert journey(["run", "--landing", str(landing), "--warehouse", str(warehouse)]) == 0
    after = rows_by_file(warehouse)

    assert after[changed_file][0] == redelivered_rows
    assert after[changed_file] != before[changed_file]
    del after[changed_file], before[changed_file]
    assert after == before
