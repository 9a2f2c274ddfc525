"""Build the journey report: query the marts read-only, draw each chart, write DIR/index.html.

Each section names the marts it needs; a section whose mart is missing (e.g. mart_journey_map
before it exists) or empty is kept with a note, so the report builds on any warehouse with the
marts schema, also a published read-only copy.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration import marts_db
from orchestration.report import figures, journey_map, queries
from orchestration.report.page import Header, Plot, Section, render

TOP_PATHS = 15
Draw = Callable[[duckdb.DuckDBPyConnection], list[Plot]]


@dataclass(frozen=True)
class Chart:
    section_id: str
    title: str
    about: str
    tables: tuple[str, ...]  # marts.<table> the section reads
    draw: Draw
    missing_note: str | None = None  # note when a table is missing (default: names it)


@dataclass(frozen=True)
class ReportResult:
    path: Path
    charts: list[str]  # ids of the charts drawn
    notes: dict[str, str]  # section id -> why it has no chart


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "funnel"


def _funnels(con: duckdb.DuckDBPyConnection) -> list[Plot]:
    return [
        Plot(f"chart-funnel-{_slug(f.funnel_name)}", figures.funnel_figure(f))
        for f in queries.funnels(con)
        if f.entrants and f.entrants[0] > 0
    ]


def _paths(con: duckdb.DuckDBPyConnection) -> list[Plot]:
    links = queries.top_path_links(con, TOP_PATHS)
    return [Plot("chart-paths", figures.paths_figure(links))] if links.values else []


def _attribution(con: duckdb.DuckDBPyConnection) -> list[Plot]:
    data = queries.attribution_by_channel(con)
    return [Plot("chart-attribution", figures.attribution_figure(data))] if data.channels else []


def _retention(con: duckdb.DuckDBPyConnection) -> list[Plot]:
    grid = queries.cohort_retention(con, grain="month", channel="All")
    return [Plot("chart-retention", figures.retention_figure(grid))] if grid.cohorts else []


def _clv(con: duckdb.DuckDBPyConnection) -> list[Plot]:
    histogram = queries.clv_histogram(con)
    return [Plot("chart-clv", figures.clv_figure(histogram))] if any(histogram.historical) else []


def _rfm(con: duckdb.DuckDBPyConnection) -> list[Plot]:
    segments = queries.rfm_segments(con)
    return [Plot("chart-rfm", figures.rfm_figure(segments))] if segments.segments else []


def _kpis(con: duckdb.DuckDBPyConnection) -> list[Plot]:
    kpis = queries.daily_kpis(con)
    return [Plot("chart-kpis", figures.kpi_figure(kpis))] if kpis.dates else []


def _journey_map(con: duckdb.DuckDBPyConnection) -> list[Plot]:
    grid = journey_map.journey_grid(con)
    if grid is None or not grid.stages:
        return []
    return [Plot("chart-journey-map", figures.journey_map_figure(grid))]


CHARTS: tuple[Chart, ...] = (
    Chart(
        "section-kpis",
        "Daily KPIs",
        "Sessions and session conversion rate (marts.mart_site_kpis_daily, all channels), "
        "non-cancelled orders and their net revenue in the reporting currency (marts.fct_orders), "
        "per day in the reporting time zone.",
        ("mart_site_kpis_daily", "fct_orders"),
        _kpis,
    ),
    Chart(
        "section-funnel",
        "Funnel with drop-offs",
        "Entries reaching each step of each configured funnel (var funnels), summed over all days, "
        "channels, devices and countries (marts.mart_funnel_daily). Inside each bar: the share of "
        "the previous step that reached it; beside it: how many dropped off before it.",
        ("mart_funnel_daily",),
        _funnels,
    ),
    Chart(
        "section-paths",
        "Channel paths to conversion",
        f"The {TOP_PATHS} converting channel paths with the most conversions "
        "(marts.mart_conversion_paths). Each column is a touch position (1 = first touch), each "
        "band the conversions moving from one touch's channel to the next, ending in Conversion.",
        ("mart_conversion_paths",),
        _paths,
    ),
    Chart(
        "section-attribution",
        "Attribution models by channel",
        "Attributed conversions per channel under each attribution model "
        "(marts.mart_attribution_channel_summary). Every model hands out the same conversions: "
        "its bars add up to the number of attributed conversions.",
        ("mart_attribution_channel_summary",),
        _attribution,
    ),
    Chart(
        "section-retention",
        "Cohort retention (monthly)",
        "Share of each monthly acquisition cohort (month of the first order; customers in "
        "brackets) that ordered again n months later, all channels (marts.mart_cohort_retention, "
        "cohort_grain month, first_touch_channel All). Month 0 is the acquisition month (100%); "
        "the last month of the data is still running.",
        ("mart_cohort_retention",),
        _retention,
    ),
    Chart(
        "section-clv",
        "Customer lifetime value",
        "Customers per value bin: historical CLV (net revenue to date) and predicted CLV "
        "(BG/NBD + Gamma-Gamma over the configured horizon, discounted), from "
        "marts.mart_customer_value. Bins reach the 99th percentile; the last bin holds the rest.",
        ("mart_customer_value",),
        _clv,
    ),
    Chart(
        "section-rfm",
        "RFM segments",
        "Customers and their net revenue per RFM segment, best segment first "
        "(marts.mart_customer_value; segments from seed rfm_segments).",
        ("mart_customer_value",),
        _rfm,
    ),
    Chart(
        "section-journey-map",
        "Journey map: stages x touchpoints",
        "Customers reached per journey stage and touchpoint (marts.mart_journey_map; the latest "
        "period, all personas).",
        (journey_map.TABLE,),
        _journey_map,
        missing_note=(
            "marts.mart_journey_map is not in this warehouse yet: this section fills in once the "
            "journey-map mart is built."
        ),
    ),
)


def default_out_dir(warehouse: Path) -> Path:
    return warehouse.parent / "report"


def _section(con: duckdb.DuckDBPyConnection, chart: Chart) -> Section:
    missing = [t for t in chart.tables if not queries.table_exists(con, "marts", t)]
    if missing:
        note = chart.missing_note or "not in this warehouse: " + ", ".join(
            f"marts.{t}" for t in missing
        )
        return Section(chart.section_id, chart.title, chart.about, note=note)
    plots = chart.draw(con)
    note = None if plots else "no rows to draw in " + ", ".join(f"marts.{t}" for t in chart.tables)
    return Section(chart.section_id, chart.title, chart.about, plots=plots, note=note)


def _span(first: str | None, last: str | None) -> str:
    return f"{first} to {last}" if first and last else "none"


def _header(con: duckdb.DuckDBPyConnection, warehouse: Path, built_at: datetime) -> Header:
    facts = [("warehouse", str(warehouse))]
    if queries.table_exists(con, "marts", "fct_sessions") and queries.table_exists(
        con, "marts", "fct_orders"
    ):
        span = queries.data_range(con)
        facts += [
            ("sessions", _span(span.first_session_date, span.last_session_date)),
            ("orders", _span(span.first_order_date, span.last_order_date)),
        ]
    modified = datetime.fromtimestamp(warehouse.stat().st_mtime, UTC)
    facts += [
        ("warehouse built", modified.strftime("%Y-%m-%d %H:%M UTC")),
        ("report built", built_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    return Header("Customer journey report", facts)


def build_report(
    warehouse: Path, out_dir: Path | None = None, charts: tuple[Chart, ...] = CHARTS
) -> ReportResult:
    """Write ``out_dir/index.html`` (default: ``<warehouse dir>/report``) from the marts.

    Opens the warehouse read-only and closes it before writing; the page replaces the previous
    one atomically, so a browser never reads half a report.
    """
    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `journey run` first")
    out_dir = Path(out_dir) if out_dir is not None else default_out_dir(warehouse)
    built_at = datetime.now(UTC)
    con = marts_db.connect(warehouse, read_only=True)
    try:
        header = _header(con, warehouse, built_at)
        sections = [_section(con, chart) for chart in charts]
    finally:
        con.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    partial = path.with_name(f".index.html.{os.getpid()}.tmp")
    partial.write_text(render(header, sections), encoding="utf-8")
    partial.replace(path)
    return ReportResult(
        path=path,
        charts=[p.chart_id for s in sections for p in s.plots],
        notes={s.section_id: s.note for s in sections if s.note},
    )
