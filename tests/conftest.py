"""Shared fixtures: one generated sample built by the nightly job, read-only for mart tests."""

import shutil
from pathlib import Path

import pytest

from orchestration import marts_db
from orchestration.cli import main as journey
from orchestration.config import PROJECT_DIR, marts_file
from orchestration.generator import generate


class Built:
    """A generated landing folder (with its _truth) and the warehouse the nightly job built."""

    def __init__(self, landing: Path, warehouse: Path) -> None:
        self.landing = landing
        self.warehouse = warehouse
        self.truth = landing / "_truth"

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        """Run SQL on the warehouse (read-only) with the truth Parquet files as views."""
        con = marts_db.connect(self.warehouse, read_only=True)
        try:
            for name in ("persons", "devices", "sessions", "orders"):
                con.execute(
                    f"create or replace temp view truth_{name} as "
                    f"select * from read_parquet('{self.truth / (name + '.parquet')}')"
                )
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


def copy_warehouse(source: Path, target: Path) -> Path:
    """Copy a working file and its marts file (config.marts_file) to `target`; returns target."""
    shutil.copyfile(source, target)
    shutil.copyfile(marts_file(source), marts_file(target))
    return target


def build_sample(root: Path, customers: int, days: int, seed: int) -> Built:
    """Generate a sample into root/landing and run the nightly job into root/journey.duckdb."""
    landing, warehouse = root / "landing", root / "journey.duckdb"
    generate(out_dir=landing, customers=customers, days=days, seed=seed)
    # Complete data: GA4's re-export of the last day replaces its first export.
    for redelivered in (landing / "redelivery" / "ga4").iterdir():
        shutil.copyfile(redelivered, landing / "ga4" / redelivered.name)
    assert journey(["run", "--landing", str(landing), "--warehouse", str(warehouse)]) == 0
    return Built(landing, warehouse)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_sample(tmp_path_factory.mktemp("built"), customers=1500, days=45, seed=2024)


def copy_project(target: Path) -> None:
    """A copy of the dbt project's inputs (models, macros, seeds, data tests, config) in target."""
    from orchestration.dbt_assets import PROJECT_INPUTS  # loads the dbt manifest: only when used

    for part in PROJECT_INPUTS:
        source = PROJECT_DIR / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        elif source.exists():
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target / part)
