"""The report's SQL: every aggregation runs in DuckDB; Python only reshapes the small results.

Each function takes a (read-only) connection and returns one result of ``data.py``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import duckdb

from orchestration.report.data import (
    AttributionByChannel,
    CohortGrid,
    DailyKpis,
    DataRange,
    FunnelSteps,
    PathLinks,
    RfmSegments,
    ValueHistogram,
)

# Models in the order they are discussed: rule-based from first to last touch, then data-driven.
MODEL_ORDER = (
    "first_touch",
    "last_touch",
    "last_non_direct",
    "linear",
    "time_decay",
    "position_based",
    "markov",
    "shapley",
)
CONVERSION_NODE = "Conversion"


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    rows = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return rows[0][0] > 0


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def data_range(con: duckdb.DuckDBPyConnection) -> DataRange:
    sessions = con.execute(
        "select min(session_date), max(session_date) from marts.fct_sessions"
    ).fetchall()[0]
    orders = con.execute(
        "select min(order_date), max(order_date) from marts.fct_orders"
    ).fetchall()[0]
    return DataRange(*(_iso(v) for v in (*sessions, *orders)))


def funnels(con: duckdb.DuckDBPyConnection) -> list[FunnelSteps]:
    """Every funnel of mart_funnel_daily, summed over days and dimensions, by funnel name."""
    rows = con.execute(
        """
        with steps as (
            select funnel_name, step_number, min(step_name) as step_name,
                   sum(entrants) as entrants
            from marts.mart_funnel_daily
            group by funnel_name, step_number
        )
        select funnel_name, step_name, entrants,
               coalesce(lag(entrants) over w - entrants, 0) as drop_off,
               case when step_number = 1 then 1.0
                    else entrants / nullif(lag(entrants) over w, 0) end as step_conversion
        from steps
        window w as (partition by funnel_name order by step_number)
        order by funnel_name, step_number
        """
    ).fetchall()
    grouped: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row[1:])
    return [
        FunnelSteps(
            funnel_name=name,
            step_names=[r[0] for r in steps],
            entrants=[int(r[1]) for r in steps],
            drop_off=[int(r[2]) for r in steps],
            step_conversion=[None if r[3] is None else float(r[3]) for r in steps],
        )
        for name, steps in grouped.items()
    ]


def top_path_links(con: duckdb.DuckDBPyConnection, top: int = 15) -> PathLinks:
    """The ``top`` converting paths of mart_conversion_paths (most conversions) as Sankey links.

    A cut path ('... > ' prefix) is drawn from its first shown touch; paths without touchpoints are
    left out (they have no channel to draw).
    """
    top_paths = f"""
        select conversion_path, conversions
        from marts.mart_conversion_paths
        where path_type = 'converting' and path_length > 0 and conversions > 0
        order by conversions desc, conversion_path
        limit {int(top)}
    """
    rows = con.execute(
        f"""
        with top_paths as ({top_paths}),
        touches as (
            select conversions,
                   string_split(regexp_replace(conversion_path, '^\\.\\.\\. > ', ''), ' > ')
                       as channels
            from top_paths
        ),
        steps as (
            select conversions, channels, unnest(range(1, len(channels) + 1)) as position
            from touches
        )
        select position, channels[position] as channel,
               case when position < len(channels) then position + 1 end as next_position,
               case when position < len(channels) then channels[position + 1]
                    else '{CONVERSION_NODE}' end as next_channel,
               sum(conversions) as conversions
        from steps
        group by all
        order by position, channel, next_position nulls last, next_channel
        """
    ).fetchall()
    paths, conversions = con.execute(
        f"select count(*), coalesce(sum(conversions), 0) from ({top_paths})"
    ).fetchall()[0]
    nodes: dict[tuple[int | None, str], int] = {}

    def node(position: int | None, channel: str) -> int:
        return nodes.setdefault((position, channel), len(nodes))

    sources, targets, values = [], [], []
    for position, channel, next_position, next_channel, value in rows:
        sources.append(node(int(position), channel))
        targets.append(node(None if next_position is None else int(next_position), next_channel))
        values.append(int(value))
    return PathLinks(
        positions=[p for p, _ in nodes],
        channels=[c for _, c in nodes],
        sources=sources,
        targets=targets,
        values=values,
        paths=int(paths),
        conversions=int(conversions),
    )


def attribution_by_channel(con: duckdb.DuckDBPyConnection) -> AttributionByChannel:
    """Attributed conversions per model and channel (mart_attribution_channel_summary); channels
    by their conversions over all models, most first."""
    rows = con.execute(
        """
        select model, channel, sum(attributed_conversions) as conversions,
               sum(sum(attributed_conversions)) over (partition by channel) as channel_total
        from marts.mart_attribution_channel_summary
        group by model, channel
        order by channel_total desc, channel
        """
    ).fetchall()
    channels = list(dict.fromkeys(r[1] for r in rows))
    found = {r[0] for r in rows}
    models = [m for m in MODEL_ORDER if m in found] + sorted(found - set(MODEL_ORDER))
    value = {(r[0], r[1]): float(r[2] or 0.0) for r in rows}
    return AttributionByChannel(
        models=models,
        channels=channels,
        conversions=[[value.get((m, c), 0.0) for c in channels] for m in models],
    )


def cohort_retention(
    con: duckdb.DuckDBPyConnection, grain: str = "month", channel: str = "All"
) -> CohortGrid:
    rows = con.execute(
        """
        select cohort_start_date, cohort_size, period_number, retention_rate
        from marts.mart_cohort_retention
        where cohort_grain = ? and first_touch_channel = ?
        order by cohort_start_date, period_number
        """,
        [grain, channel],
    ).fetchall()
    cohorts = list(dict.fromkeys(r[0] for r in rows))
    periods = sorted({int(r[2]) for r in rows})
    sizes = {r[0]: int(r[1]) for r in rows}
    rate = {(r[0], int(r[2])): r[3] for r in rows}
    return CohortGrid(
        cohorts=[c.isoformat() for c in cohorts],
        cohort_sizes=[sizes[c] for c in cohorts],
        periods=periods,
        rates=[
            [None if rate.get((c, p)) is None else float(rate[(c, p)]) for p in periods]
            for c in cohorts
        ],
    )


def clv_histogram(con: duckdb.DuckDBPyConnection, bins: int = 24) -> ValueHistogram:
    """Customers of mart_customer_value per bin of historical CLV (net revenue to date) and of
    predicted CLV, on common 'nice' bins up to the 99th percentile plus one overflow bin."""
    row = con.execute(
        f"""
        with value as (
            select cast(net_revenue as double) as historical,
                   cast(predicted_clv as double) as predicted
            from marts.mart_customer_value
        ),
        span as (
            select least(0, min(historical), min(predicted)) as low,
                   greatest(quantile_cont(historical, 0.99), quantile_cont(predicted, 0.99))
                       as high
            from value
        ),
        bins as (
            select equi_width_bins(low, greatest(high, low + 1), {int(bins)}, true) as bounds
            from span
        )
        select bins.bounds, histogram(historical, bins.bounds), histogram(predicted, bins.bounds)
        from value, bins
        group by bins.bounds
        """
    ).fetchall()
    if not row:
        return ValueHistogram(upper_bounds=[], historical=[], predicted=[])
    bounds, *histograms = row[0]
    known = set(bounds)
    inside = [[int((h or {}).get(b, 0)) for b in bounds] for h in histograms]
    above = [sum(int(v) for k, v in (h or {}).items() if k not in known) for h in histograms]
    if any(above):
        return ValueHistogram(
            upper_bounds=[*map(float, bounds), None],
            historical=[*inside[0], above[0]],
            predicted=[*inside[1], above[1]],
        )
    return ValueHistogram(
        upper_bounds=[float(b) for b in bounds], historical=inside[0], predicted=inside[1]
    )


def rfm_segments(con: duckdb.DuckDBPyConnection) -> RfmSegments:
    rows = con.execute(
        """
        select rfm_segment, count(*) as customers, sum(net_revenue) as net_revenue
        from marts.mart_customer_value
        group by rfm_segment
        order by min(rfm_segment_order), rfm_segment
        """
    ).fetchall()
    return RfmSegments(
        segments=[r[0] for r in rows],
        customers=[int(r[1]) for r in rows],
        net_revenue=[float(r[2] or 0) for r in rows],
    )


def daily_kpis(con: duckdb.DuckDBPyConnection) -> DailyKpis:
    """Per day: sessions and session conversion rate (mart_site_kpis_daily, summed over channels),
    non-cancelled orders and their net revenue in the reporting currency (fct_orders)."""
    rows = con.execute(
        """
        with sessions as (
            select session_date as day, sum(sessions) as sessions,
                   sum(purchasing_sessions) as purchasing_sessions
            from marts.mart_site_kpis_daily
            group by session_date
        ),
        orders as (
            select order_date as day, count(*) as orders,
                   sum(net_revenue_reporting) as net_revenue
            from marts.fct_orders
            where not is_cancelled
            group by order_date
        )
        select coalesce(s.day, o.day) as day,
               coalesce(s.sessions, 0),
               s.purchasing_sessions / nullif(s.sessions, 0),
               coalesce(o.orders, 0),
               coalesce(o.net_revenue, 0)
        from sessions s
        full join orders o on o.day = s.day
        order by day
        """
    ).fetchall()
    return DailyKpis(
        dates=[r[0].isoformat() for r in rows],
        sessions=[int(r[1]) for r in rows],
        conversion_rate=[None if r[2] is None else float(r[2]) for r in rows],
        orders=[int(r[3]) for r in rows],
        net_revenue=[float(r[4]) for r in rows],
    )
