"""Source freshness by the rule of `dbt source freshness`, without a second dbt invocation.

The nightly job used to run `dbt source freshness` before `dbt build`: 0.5 s of queries behind
6-18 s of dbt start-up and parsing (issue 8). This reads the same configuration from the manifest
dbt already wrote (each source's `loaded_at_field` and `freshness` thresholds, vars rendered),
asks the warehouse for max(loaded_at_field) per source, and applies dbt's rule: age = now - max
(an empty source is infinitely old), `error` past error_after, else `warn` past warn_after, else
`pass`; a failed query is a `runtime error`. The result has the shape of dbt's sources.json, so
dbt_audit.audit_freshness reads it unchanged.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def _threshold_seconds(threshold: dict[str, Any] | None) -> float | None:
    if not threshold or threshold.get("count") is None or threshold.get("period") is None:
        return None
    return float(threshold["count"]) * _SECONDS[threshold["period"]]


def status_for(age_seconds: float, freshness: dict[str, Any]) -> str:
    """dbt's FreshnessThreshold.status: error, else warn, else pass."""
    error_after = _threshold_seconds(freshness.get("error_after"))
    warn_after = _threshold_seconds(freshness.get("warn_after"))
    if error_after is not None and age_seconds > error_after:
        return "error"
    if warn_after is not None and age_seconds > warn_after:
        return "warn"
    return "pass"


def _checked_sources(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The sources dbt would check: a loaded_at_field and a warn or error threshold."""
    return [
        source
        for source in manifest.get("sources", {}).values()
        if source.get("loaded_at_field")
        and any(
            _threshold_seconds((source.get("freshness") or {}).get(key)) is not None
            for key in ("warn_after", "error_after")
        )
    ]


def check_sources(warehouse: Path, manifest_path: Path, now: datetime | None = None) -> dict:
    """{"results": [{unique_id, status, max_loaded_at, max_loaded_at_time_ago_in_s}]} as dbt's
    sources.json has them, for every source with a freshness config."""
    manifest = json.loads(manifest_path.read_text())
    now = now or datetime.now(UTC)
    results = []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for source in _checked_sources(manifest):
            relation = f"{source['schema']}.{source['identifier']}"
            try:
                where = source["freshness"].get("filter")
                latest = con.execute(
                    f"select max({source['loaded_at_field']}) from {relation}"
                    + (f" where {where}" if where else "")
                ).fetchall()[0][0]
            except duckdb.Error as error:
                results.append(
                    {
                        "unique_id": source["unique_id"],
                        "status": "runtime error",
                        "error": str(error),
                    }
                )
                continue
            loaded = datetime(1, 1, 1, tzinfo=UTC) if latest is None else latest.replace(tzinfo=UTC)
            age = (now - loaded).total_seconds()
            results.append(
                {
                    "unique_id": source["unique_id"],
                    "status": status_for(age, source["freshness"]),
                    "max_loaded_at": None if latest is None else loaded.isoformat(),
                    "max_loaded_at_time_ago_in_s": age,
                }
            )
    finally:
        con.close()
    return {"results": results}
