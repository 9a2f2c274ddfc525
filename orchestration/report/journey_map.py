"""Read ``marts.mart_journey_map`` (stage x touchpoint, issue 11) into a grid, when it exists.

The mart is being built on another branch, so its column names are matched against the likely
candidates below, first match wins: a stage column, a touchpoint column (or channel and touch
type, joined as 'channel · touch type'), a measure to sum (customers reached), and optionally a
period (only the latest period is shown) and a persona (summed over; an 'All' rollup row is
skipped so nobody counts twice).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from orchestration.report.data import JourneyGrid

SCHEMA, TABLE = "marts", "mart_journey_map"
STAGE_ORDER = ("awareness", "consideration", "decision", "retention", "advocacy")
STAGE_COLUMNS = ("journey_stage", "stage")
TOUCHPOINT_COLUMNS = ("touchpoint", "touchpoint_name")
CHANNEL_COLUMNS = ("channel", "channel_group")
TOUCH_TYPE_COLUMNS = ("touch_type",)
MEASURE_COLUMNS = ("customers_reached", "customers", "reached_customers", "journeys", "touches")
PERIOD_COLUMNS = ("period_start_date", "period_start", "period", "month")
PERSONA_COLUMNS = ("persona",)
ROLLUP = "All"


@dataclass(frozen=True)
class JourneyMapColumns:
    stage: str
    touchpoint: tuple[str, ...]  # one column, or channel and touch type
    measure: str
    period: str | None
    persona: str | None


def _first(candidates: tuple[str, ...], columns: list[str]) -> str | None:
    lowered = {c.lower(): c for c in columns}
    return next((lowered[c] for c in candidates if c in lowered), None)


def match_columns(columns: list[str]) -> JourneyMapColumns | None:
    """The columns to draw from, or None when the table lacks a stage, touchpoint or measure."""
    stage, measure = _first(STAGE_COLUMNS, columns), _first(MEASURE_COLUMNS, columns)
    touchpoint = _first(TOUCHPOINT_COLUMNS, columns)
    channel, touch_type = _first(CHANNEL_COLUMNS, columns), _first(TOUCH_TYPE_COLUMNS, columns)
    if touchpoint is not None:
        parts: tuple[str, ...] = (touchpoint,)
    else:
        parts = tuple(c for c in (channel, touch_type) if c is not None)
    if stage is None or measure is None or not parts:
        return None
    return JourneyMapColumns(
        stage=stage,
        touchpoint=parts,
        measure=measure,
        period=_first(PERIOD_COLUMNS, columns),
        persona=_first(PERSONA_COLUMNS, columns),
    )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _stage_rank(stage: str) -> tuple[int, str]:
    lowered = stage.lower()
    return (STAGE_ORDER.index(lowered) if lowered in STAGE_ORDER else len(STAGE_ORDER), lowered)


def journey_grid(con: duckdb.DuckDBPyConnection) -> JourneyGrid | None:
    """The grid of the latest period, or None when the columns cannot be matched."""
    columns = [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [SCHEMA, TABLE],
        ).fetchall()
    ]
    matched = match_columns(columns)
    if matched is None:
        return None
    table = f"{SCHEMA}.{TABLE}"
    touchpoint = " || ' · ' || ".join(
        f"coalesce(cast({_quote(c)} as varchar), '(none)')" for c in matched.touchpoint
    )
    where = ["true"]
    period = None
    if matched.period is not None:
        latest = con.execute(f"select max({_quote(matched.period)}) from {table}").fetchall()[0][0]
        if latest is not None:
            period = str(latest)
            where.append(
                f"{_quote(matched.period)} = (select max({_quote(matched.period)}) from {table})"
            )
    if matched.persona is not None:
        where.append(f"coalesce(cast({_quote(matched.persona)} as varchar), '') <> '{ROLLUP}'")
    rows = con.execute(
        f"""
        select cast({_quote(matched.stage)} as varchar) as stage, {touchpoint} as touchpoint,
               sum({_quote(matched.measure)}) as value
        from {table}
        where {" and ".join(where)}
        group by all
        order by touchpoint
        """
    ).fetchall()
    stages = sorted({r[0] for r in rows}, key=_stage_rank)
    totals: dict[str, float] = {}
    for _, touch, value in rows:
        totals[touch] = totals.get(touch, 0.0) + float(value or 0)
    touchpoints = sorted(totals, key=lambda t: (-totals[t], t))
    cell = {(r[0], r[1]): float(r[2]) for r in rows if r[2] is not None}
    return JourneyGrid(
        stages=stages,
        touchpoints=touchpoints,
        values=[[cell.get((s, t)) for t in touchpoints] for s in stages],
        measure=matched.measure,
        period=period,
    )
