"""The local SparkSession of the `spark` target, configured from profiles.yml (one source of truth).

dbt-spark's session method starts its SparkSession from the target's server_side_parameters; the
raw export and the parity test start theirs from the same parameters, so all three share the
metastore and the warehouse directory under JOURNEY_SPARK_DIR.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import jinja2
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
SPARK_DIR_ENV = "JOURNEY_SPARK_DIR"


def spark_dir() -> Path:
    """Where the Spark metastore and tables live (env JOURNEY_SPARK_DIR, default build/spark)."""
    return Path(os.environ.get(SPARK_DIR_ENV, PROJECT_DIR / "build" / "spark")).resolve()


def _env_var(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise KeyError(f"environment variable {name} is not set")
    return value


def spark_parameters(profiles: Path = PROJECT_DIR / "profiles.yml") -> dict[str, str]:
    """server_side_parameters of the `spark` target in profiles.yml, env_var() rendered."""
    os.environ.setdefault(SPARK_DIR_ENV, str(spark_dir()))
    rendered = jinja2.Template(profiles.read_text()).render(env_var=_env_var)
    target = yaml.safe_load(rendered)["journey"]["outputs"]["spark"]
    return {str(k): str(v) for k, v in target.get("server_side_parameters", {}).items()}


def get_session() -> Any:
    """The SparkSession dbt-spark's session method would create (Hive metastore support on)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_parameters().items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
