"""Project paths and configuration read from dbt_project.yml vars (the one place config lives)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_LANDING_DIR = PROJECT_DIR / "data" / "landing"
DEFAULT_WAREHOUSE = PROJECT_DIR / "warehouse" / "journey.duckdb"
LANDING_ENV = "JOURNEY_LANDING_DIR"
WAREHOUSE_ENV = "JOURNEY_WAREHOUSE"
SCHEDULE_TIMEZONE_ENV = "JOURNEY_SCHEDULE_TIMEZONE"


def landing_dir(value: str | Path | None = None) -> Path:
    """The landing folder: argument, else $JOURNEY_LANDING_DIR, else data/landing; absolute."""
    chosen = value or os.environ.get(LANDING_ENV) or DEFAULT_LANDING_DIR
    return Path(chosen).expanduser().resolve()


def warehouse_path(value: str | Path | None = None) -> Path:
    """The DuckDB file: argument, else $JOURNEY_WAREHOUSE, else warehouse/journey.duckdb; absolute.

    Always absolute: DuckDB resolves a relative path against the working directory.
    """
    chosen = value or os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE
    return Path(chosen).expanduser().resolve()


@cache
def dbt_vars() -> dict[str, Any]:
    with open(PROJECT_DIR / "dbt_project.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle).get("vars", {}) or {}


def project_var(name: str, default: Any = None) -> Any:
    return dbt_vars().get(name, default)


def schedule_timezone() -> str:
    """Time zone of the nightly schedule: $JOURNEY_SCHEDULE_TIMEZONE, else the reporting zone."""
    return os.environ.get(SCHEDULE_TIMEZONE_ENV) or project_var("reporting_timezone", "UTC")
