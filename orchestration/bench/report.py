"""The benchmark report: derived figures, the printed table and the JSON for tracking."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

GIB = 1 << 30
# (label in the table, key in the report) of each measured phase; the floor may be left out
PHASE_LABELS = (
    ("generate", "generate"),
    ("floor", "floor"),
    ("full", "full"),
    ("nightly", "incremental"),
)


def derive(report: dict[str, Any]) -> dict[str, Any]:
    """Events per second, full build / floor, nightly / full, peak memory, cost per event."""
    full, nightly, floor = report["full"], report["incremental"], report.get("floor")
    floor_seconds = floor["seconds"] if floor else None
    events = full["ga4_events_in_raw"]
    new_events = nightly["ga4_events_in_raw"] - events
    return {
        "events": events,
        "new_day_events": new_events,
        "full_seconds": full["seconds"],
        "floor_seconds": floor_seconds,
        "incremental_seconds": nightly["seconds"],
        "incremental_runs_seconds": nightly.get("runs_seconds", [nightly["seconds"]]),
        "events_per_second": events / full["seconds"] if full["seconds"] > 0 else None,
        "full_over_floor": full["seconds"] / floor_seconds if floor_seconds else None,
        "incremental_over_full": nightly["seconds"] / full["seconds"] if full["seconds"] else None,
        "microseconds_per_event": full["seconds"] / events * 1e6 if events else None,
        "peak_rss_bytes": max(
            report[phase]["peak_rss_bytes"] for _, phase in PHASE_LABELS if report.get(phase)
        ),
        "peak_rss_full_bytes": full["peak_rss_bytes"],
        "warehouse_bytes": nightly["warehouse_bytes"],
        "published_bytes": nightly["published_bytes"],
        "succeeded": bool(full["success"] and nightly["success"]),
    }


def write_json(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")


def _gib(value: float) -> str:
    return f"{value / GIB:.2f} GiB"


def _stage_rows(report: dict[str, Any]) -> list[str]:
    full, nightly = report["full"]["stages"], report["incremental"]["stages"]
    names = list(dict.fromkeys([*full, *nightly]))
    lines = [f"  {'stage':<30}{'full build s':>14}{'nightly s':>12}"]
    lines.append(
        f"  {'generate (' + str(report['scale']['days_generated']) + ' days)':<30}"
        f"{report['generate']['seconds']:>14.1f}{'':>12}"
    )
    for name in names:
        lines.append(f"  {name:<30}{full.get(name, 0.0):>14.1f}{nightly.get(name, 0.0):>12.1f}")
    for label, key in (("orchestration (rest)", None), ("total (wall)", "seconds")):
        f_total, n_total = report["full"]["seconds"], report["incremental"]["seconds"]
        if key is None:
            f_value, n_value = f_total - sum(full.values()), n_total - sum(nightly.values())
        else:
            f_value, n_value = f_total, n_total
        lines.append(f"  {label:<30}{f_value:>14.1f}{n_value:>12.1f}")
    return lines


def _peer_lines(peers: dict[str, Any] | None) -> list[str]:
    if not peers:
        return []
    lines = []
    clv = peers["clv"]
    for name in ("ours", "lifetimes"):
        fit = clv[name]
        if "error" in fit:
            lines.append(f"  BG/NBD {name:<10} {fit['error']}")
            continue
        params = "  ".join(f"{k} {v:.4g}" for k, v in fit["params"].items())
        lines.append(
            f"  BG/NBD {name:<10} {fit['seconds']:.2f}s on {clv['customers']:,} "
            f"customers ({clv['distinct_rows']:,} distinct rows): {params}"
        )
    if peers.get("attribution"):
        a = peers["attribution"]
        lines.append(
            f"  attribution on {a['paths']:,} paths ({a['distinct_paths']:,} distinct): "
            f"markov {a['markov_seconds']:.2f}s, shapley {a['shapley_seconds']:.2f}s"
        )
    return lines


def _nightly_runs(derived: dict[str, Any]) -> str:
    runs = derived["incremental_runs_seconds"]
    if len(runs) < 2:
        return ""
    return f" (median of {len(runs)} nightly runs: " + ", ".join(f"{s:.1f}" for s in runs) + " s)"


def _floor_lines(derived: dict[str, Any]) -> list[str]:
    if derived["floor_seconds"] is None:
        return ["  floor: not measured (--no-floor)"]
    return [
        f"  floor (DuckDB reads the same files, no transformation): {derived['floor_seconds']:.1f}s",
        f"  full build / floor: {derived['full_over_floor']:.2f}x",
    ]


def format_table(report: dict[str, Any]) -> str:
    d = report["derived"]
    lines = [
        f"journey bench: {d['events']:,} GA4 events ({report['scale']['customers']:,} customers, "
        f"{report['scale']['history_days']} days) + nightly day of {d['new_day_events']:,} events; "
        f"GA4 as {report['settings']['ga4_format']}; unit tests "
        f"{'run' if report['settings']['unit_tests'] else 'skipped'}",
        *_stage_rows(report),
        *_floor_lines(d),
        f"  nightly / full build: {d['incremental_over_full']:.1%}{_nightly_runs(d)};  "
        f"{d['events_per_second']:,.0f} events/s ({d['microseconds_per_event']:.1f} us/event)",
        "  peak memory (process tree): "
        + ", ".join(
            f"{label} {_gib(report[phase]['peak_rss_bytes'])}"
            for label, phase in PHASE_LABELS
            if report.get(phase)
        )
        + f"; DuckDB memory_limit {report['settings'].get('duckdb_memory_limit', '?')}",
        f"  warehouse {_gib(d['warehouse_bytes'])}, published {_gib(d['published_bytes'])}; "
        f"load average {report['machine']['load_average_start']} -> "
        f"{report['machine']['load_average_end']}",
        *_peer_lines(report.get("peers")),
    ]
    if not d["succeeded"]:
        errors = report["full"]["errors"] + report["incremental"]["errors"]
        lines.append("  A RUN FAILED: " + "; ".join(errors)[:2000])
    return "\n".join(lines)
