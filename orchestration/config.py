"""Project paths and configuration read from dbt_project.yml vars (the one place config lives)."""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_LANDING_DIR = PROJECT_DIR / "data" / "landing"
DEFAULT_WAREHOUSE = PROJECT_DIR / "warehouse" / "journey.duckdb"
LANDING_ENV = "JOURNEY_LANDING_DIR"
WAREHOUSE_ENV = "JOURNEY_WAREHOUSE"
PUBLISHED_ENV = "JOURNEY_PUBLISHED"
EMAIL_SALT_ENV = "JOURNEY_EMAIL_SALT"
SCHEDULE_TIMEZONE_ENV = "JOURNEY_SCHEDULE_TIMEZONE"
# DuckDB's memory limit in every process that writes the warehouse (loaders; dbt through
# profiles.yml, whose default must match). DuckDB's own default is 80% of RAM, per process; past
# the limit it spills to a temp folder beside the database file.
MEMORY_LIMIT_ENV = "JOURNEY_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "3GB"


# Where DuckDB spills past the memory limit (loaders; dbt through profiles.yml). Unset: DuckDB's
# default, `<warehouse>.tmp` beside the database file. A 100M-event build can spill tens of GB, so a
# deployment may want the spill on a disk sized apart from the warehouse's.
TEMP_DIRECTORY_ENV = "JOURNEY_DUCKDB_TEMP_DIRECTORY"


# DuckDB's block allocator keeps the memory of freed 256 KiB blocks for the next ones instead of
# returning it to the OS, which zeroes fresh pages on every new block (a 10M nightly dbt run: 8.4 s
# of kernel time, 4.7 s with it). It only caps what the allocator may keep: the memory limit still
# bounds what DuckDB uses. Default: the memory limit (loaders; dbt through profiles.yml).
BLOCK_ALLOCATOR_MEMORY_ENV = "JOURNEY_DUCKDB_BLOCK_ALLOCATOR_MEMORY"


def duckdb_memory_limit() -> str:
    return os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT


def duckdb_block_allocator_memory() -> str:
    return os.environ.get(BLOCK_ALLOCATOR_MEMORY_ENV) or duckdb_memory_limit()


def duckdb_temp_directory(warehouse: Path) -> Path:
    """DuckDB's spill folder for `warehouse`: $JOURNEY_DUCKDB_TEMP_DIRECTORY, else DuckDB's default."""
    chosen = os.environ.get(TEMP_DIRECTORY_ENV)
    if chosen:
        return Path(chosen).expanduser().resolve()
    return warehouse.with_name(warehouse.name + ".tmp")


def marts_file(warehouse: Path) -> Path:
    """The DuckDB file dbt builds the marts into, beside the working file: `<working file>.marts`
    (profiles.yml attaches it; it must name the same file). Publishing copies it whole."""
    return warehouse.with_name(warehouse.name + ".marts")


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


def published_path(value: str | Path | None = None, warehouse: str | Path | None = None) -> Path:
    """The DuckDB file BI tools open read-only: argument, else $JOURNEY_PUBLISHED, else
    `published/<working file name>` in the working file's folder; absolute.

    Only the publish step replaces it (atomically, os.replace); nothing ever writes it in place.
    """
    chosen = value or os.environ.get(PUBLISHED_ENV)
    if chosen:
        return Path(chosen).expanduser().resolve()
    working = warehouse_path(warehouse)
    return working.parent / "published" / working.name


@cache
def dbt_vars() -> dict[str, Any]:
    with open(PROJECT_DIR / "dbt_project.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle).get("vars", {}) or {}


def project_var(name: str, default: Any = None) -> Any:
    return dbt_vars().get(name, default)


def schedule_timezone() -> str:
    """Time zone of the nightly schedule: $JOURNEY_SCHEDULE_TIMEZONE, else the reporting zone."""
    return os.environ.get(SCHEDULE_TIMEZONE_ENV) or project_var("reporting_timezone", "UTC")


_ENV_VAR_TEMPLATE = re.compile(r"""env_var\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]*)['"])?\s*\)""")


def email_hash_salt() -> str:
    """The salt of every email / identifier hash (var email_hash_salt, as dbt renders it).

    The var is `{{ env_var('JOURNEY_EMAIL_SALT', 'journey-demo-salt') }}` by default: the environment
    variable when set, else the default; a plain string var is used as is.
    """
    value = str(project_var("email_hash_salt", ""))
    match = _ENV_VAR_TEMPLATE.search(value)
    if match is None:
        return value
    return os.environ.get(match.group(1), match.group(2) or "")
