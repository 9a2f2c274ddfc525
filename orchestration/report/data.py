"""What each report query returns: small, plain results (lists), aggregated in SQL beforehand."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataRange:
    """First and last day with sessions and with orders (ISO dates; None when there are none)."""

    first_session_date: str | None
    last_session_date: str | None
    first_order_date: str | None
    last_order_date: str | None


@dataclass(frozen=True)
class FunnelSteps:
    """One funnel summed over days, channels, devices and countries."""

    funnel_name: str
    step_names: list[str]
    entrants: list[int]
    drop_off: list[int]  # entrants of the previous step minus this step's (0 for step 1)
    step_conversion: list[float | None]  # entrants / previous step's entrants (1 for step 1)


@dataclass(frozen=True)
class PathLinks:
    """Top converting channel paths as links between (touch position, channel) nodes.

    Node i is ``(positions[i], channels[i])``; the last touch of each path links to the node
    ``(None, "Conversion")``. ``values`` are conversions.
    """

    positions: list[int | None]
    channels: list[str]
    sources: list[int]
    targets: list[int]
    values: list[int]
    paths: int  # how many top paths are drawn
    conversions: int  # their conversions


@dataclass(frozen=True)
class AttributionByChannel:
    """Attributed conversions per model (outer) and channel (inner, same order for every model)."""

    models: list[str]
    channels: list[str]
    conversions: list[list[float]]


@dataclass(frozen=True)
class CohortGrid:
    """Retention rate per cohort (rows, oldest first) and period number (columns)."""

    cohorts: list[str]
    cohort_sizes: list[int]
    periods: list[int]
    rates: list[list[float | None]]  # None where the period is after the data


@dataclass(frozen=True)
class ValueHistogram:
    """Customers per CLV bin, for historical and predicted CLV over the same bins.

    Bin i holds values up to ``upper_bounds[i]`` (the first also everything below it); the last
    bin, ``upper_bounds[-1] is None``, everything above the previous bound.
    """

    upper_bounds: list[float | None]
    historical: list[int]
    predicted: list[int]


@dataclass(frozen=True)
class RfmSegments:
    segments: list[str]  # best first (seed rfm_segments.segment_order)
    customers: list[int]
    net_revenue: list[float]


@dataclass(frozen=True)
class DailyKpis:
    dates: list[str]
    sessions: list[int]
    conversion_rate: list[float | None]  # purchasing sessions / sessions
    orders: list[int]  # non-cancelled orders
    net_revenue: list[float]  # reporting currency


@dataclass(frozen=True)
class JourneyGrid:
    """The journey map as a stage (rows) x touchpoint (columns) grid of one measure."""

    stages: list[str]
    touchpoints: list[str]
    values: list[list[float | None]]  # None where the stage and touchpoint never meet
    measure: str  # the summed column
    period: str | None  # the period shown, when the table has periods
