"""The audit of write-audit-publish: read dbt's run_results.json and sources.json into a verdict.

A build passes when dbt exited cleanly, wrote its results, and no model, seed, snapshot, data test or
unit test ended in `error` or `fail` (warn-level tests that fail end as `warn`: reported, not
blocking). Source freshness is reported (worst status over the sources), never blocking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_BUILT = ("model", "seed", "snapshot")
_TESTS = ("test", "unit_test")
_FRESHNESS_ORDER = {"pass": 0, "warn": 1, "error": 2, "runtime error": 2}


def node_name(unique_id: str) -> str:
    """`test.journey.not_null_x.ab12` -> `not_null_x`; `model.journey.fct_orders` -> `fct_orders`."""
    parts = unique_id.split(".")
    return parts[2] if len(parts) > 2 else unique_id


@dataclass
class BuildAudit:
    exit_ok: bool
    have_results: bool
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.exit_ok and self.have_results and not self.failures

    @property
    def reason(self) -> str | None:
        if self.passed:
            return None
        if not self.have_results:
            return "dbt build ended without run results (crashed before running any node)"
        if not self.failures:
            return "dbt build exited with an error (see the dbt log)"
        tests = sum(f.startswith(("test ", "unit_test ")) for f in self.failures)
        head = f"{tests} error-level test(s) failed" if tests else "dbt build failed"
        return f"{head}: " + "; ".join(self.failures)

    def record_fields(self) -> dict[str, Any]:
        return self.counts | {"failures": "; ".join(self.failures) or None}


def audit_build(run_results: dict[str, Any] | None, exit_ok: bool) -> BuildAudit:
    audit = BuildAudit(exit_ok=exit_ok, have_results=run_results is not None)
    counts = dict.fromkeys(
        (
            "models_built",
            "models_failed",
            "models_skipped",
            "tests_passed",
            "tests_failed",
            "tests_warned",
            "tests_skipped",
        ),
        0,
    )
    for result in (run_results or {}).get("results", []):
        unique_id = result.get("unique_id", "")
        kind = unique_id.split(".")[0]
        status = result.get("status")
        name = node_name(unique_id)
        message = (result.get("message") or "").strip().splitlines()
        detail = message[0] if message else ""
        if kind in _BUILT:
            if status == "success":
                counts["models_built"] += 1
            elif status == "skipped":
                counts["models_skipped"] += 1
            else:
                counts["models_failed"] += 1
                audit.failures.append(f"{kind} {name} {status}: {detail}".rstrip(": "))
        elif kind in _TESTS:
            if status == "pass":
                counts["tests_passed"] += 1
            elif status == "warn":
                counts["tests_warned"] += 1
            elif status == "skipped":
                counts["tests_skipped"] += 1
            else:
                counts["tests_failed"] += 1
                rows = result.get("failures")
                what = f"{rows} failing row(s)" if status == "fail" and rows else detail
                audit.failures.append(f"{kind} {name} {status}" + (f" ({what})" if what else ""))
    audit.counts = counts
    return audit


def audit_freshness(sources: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """(worst status, {source.table: {status, hours_since_load}}) from dbt's sources.json."""
    if not sources:
        return "not checked", {}
    per_source: dict[str, Any] = {}
    worst = "pass"
    for result in sources.get("results", []):
        unique_id = result.get("unique_id", "")
        name = ".".join(unique_id.split(".")[2:]) or unique_id
        status = result.get("status", "runtime error")
        age = result.get("max_loaded_at_time_ago_in_s")
        per_source[name] = {
            "status": status,
            "hours_since_load": round(age / 3600, 2) if age is not None else None,
        }
        if _FRESHNESS_ORDER.get(status, 2) > _FRESHNESS_ORDER.get(worst, 2):
            worst = "error" if status == "runtime error" else status
    return worst, per_source
