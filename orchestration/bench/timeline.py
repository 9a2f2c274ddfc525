"""Turn a nightly run's timings into benchmark stages.

Dagster gives each step's wall time (one loader step per raw table, the dbt step, publish, the
report). Inside the dbt step, run_results.json gives every node's start and end; with two dbt
threads nodes overlap, so each node gets a *wall share*: while k nodes run at once, each gets 1/k
of that time. Shares add up to the time at least one node ran, never more than the step's wall
time; the rest of the step (dbt start-up, parsing, source freshness, gaps) is reported as
`dbt other`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

DBT_STEP = "journey_dbt_assets"
STEP_NAMES = {
    DBT_STEP: "dbt",
    "published__warehouse": "publish",
    "report__journey_report": "report",
}
LAYERS = ("staging", "intermediate", "marts", "python fits", "seeds", "tests", "unit tests")


def wall_shares(intervals: Mapping[str, tuple[float, float]]) -> dict[str, float]:
    """Each interval's share of wall time: a stretch covered by k intervals counts 1/k to each."""
    edges = sorted({t for span in intervals.values() for t in span})
    shares = dict.fromkeys(intervals, 0.0)
    for left, right in zip(edges, edges[1:], strict=False):
        active = [k for k, (start, end) in intervals.items() if start <= left and end >= right]
        for key in active:
            shares[key] += (right - left) / len(active)
    return shares


def step_stage(step_key: str) -> str:
    """Dagster step key -> stage name: raw__ga4_events -> 'load ga4_events'."""
    if step_key.startswith("raw__"):
        return "load " + step_key.removeprefix("raw__")
    return STEP_NAMES.get(step_key, step_key)


def python_models(models_dir: Path) -> set[str]:
    return {path.stem for path in models_dir.rglob("*.py")}


def node_layer(unique_id: str, python: set[str]) -> str:
    kind, *_, name = unique_id.split(".")
    if kind == "model":
        if name in python:
            return "python fits"
        if name.startswith("stg_"):
            return "staging"
        return "intermediate" if name.startswith("int_") else "marts"
    return {"test": "tests", "unit_test": "unit tests", "seed": "seeds"}.get(kind, kind)


def _node_interval(result: Mapping[str, Any]) -> tuple[float, float] | None:
    times = [
        datetime.fromisoformat(t[key]).timestamp()
        for t in result.get("timing", [])
        for key in ("started_at", "completed_at")
        if t.get(key)
    ]
    return (min(times), max(times)) if times else None


def dbt_layers(run_results: Mapping[str, Any], python: set[str]) -> dict[str, dict[str, float]]:
    """Per layer: wall share (seconds), summed node seconds and node count."""
    intervals = {}
    for result in run_results.get("results", []):
        span = _node_interval(result)
        if span is not None and not result["unique_id"].startswith("exposure."):
            intervals[result["unique_id"]] = span
    shares = wall_shares(intervals)
    layers: dict[str, dict[str, float]] = defaultdict(
        lambda: {"seconds": 0.0, "node_seconds": 0.0, "nodes": 0}
    )
    for unique_id, (start, end) in intervals.items():
        layer = layers[node_layer(unique_id, python)]
        layer["seconds"] += shares[unique_id]
        layer["node_seconds"] += end - start
        layer["nodes"] += 1
    return {name: layers[name] for name in sorted(layers, key=_layer_order)}


def _layer_order(name: str) -> tuple[int, str]:
    return (LAYERS.index(name) if name in LAYERS else len(LAYERS), name)


def slowest_nodes(run_results: Mapping[str, Any], count: int = 10) -> list[tuple[str, float]]:
    """The `count` nodes with the longest execution time (seconds)."""
    timed = [
        (r["unique_id"], float(r.get("execution_time") or 0.0))
        for r in run_results.get("results", [])
    ]
    return sorted(timed, key=lambda item: -item[1])[:count]


def run_stages(
    steps: Mapping[str, float], layers: Mapping[str, Mapping[str, float]]
) -> dict[str, float]:
    """Stages of one nightly run in order: loads, dbt layers, dbt other, publish, report, rest.

    The dbt step's wall time is split into its layers' wall shares and `dbt other`."""
    stages: dict[str, float] = {}
    for key, seconds in steps.items():
        name = step_stage(key)
        if name != "dbt":
            continue
        layer_total = sum(layer["seconds"] for layer in layers.values())
        for layer, values in layers.items():
            stages[f"dbt {layer}"] = values["seconds"]
        stages["dbt other"] = max(seconds - layer_total, 0.0)
    loads = {step_stage(k): v for k, v in steps.items() if k.startswith("raw__")}
    rest = {
        step_stage(k): v for k, v in steps.items() if k != DBT_STEP and not k.startswith("raw__")
    }
    return {**dict(sorted(loads.items())), **stages, **rest}
