"""Plotly figures from the report's query results (data.py in, plotly figure out, no I/O)."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from orchestration.report.data import (
    AttributionByChannel,
    CohortGrid,
    DailyKpis,
    FunnelSteps,
    JourneyGrid,
    PathLinks,
    RfmSegments,
    ValueHistogram,
)

TEMPLATE = "plotly_white"
PALETTE = (
    "#4C78A8",
    "#F58518",
    "#54A24B",
    "#E45756",
    "#72B7B2",
    "#EECA3B",
    "#B279A2",
    "#FF9DA6",
    "#9D755D",
    "#BAB0AC",
)
CONVERSION_COLOUR = "#2CA02C"


def _layout(figure: go.Figure, height: int, **layout: object) -> go.Figure:
    defaults: dict[str, object] = {
        "template": TEMPLATE,
        "height": height,
        "margin": {"l": 60, "r": 30, "t": 40, "b": 50},
        "font": {"family": "system-ui, -apple-system, Segoe UI, sans-serif", "size": 13},
    }
    figure.update_layout(defaults | layout)
    return figure


def _rgba(hex_colour: str, alpha: float) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def funnel_figure(funnel: FunnelSteps) -> go.Figure:
    """Entrants per step with the step conversion inside the bar and the drop-off beside it."""
    previous = [None, *funnel.entrants[:-1]]
    figure = go.Figure(
        go.Funnel(
            name=funnel.funnel_name,
            y=funnel.step_names,
            x=funnel.entrants,
            customdata=[
                [drop, conv, before]
                for drop, conv, before in zip(
                    funnel.drop_off, funnel.step_conversion, previous, strict=True
                )
            ],
            texttemplate=["%{x:,}<br>entered"]
            + ["%{x:,}<br>%{customdata[1]:.1%} of previous"] * (len(funnel.entrants) - 1),
            textposition="inside",
            hovertemplate=(
                "%{y}: %{x:,} entrants<br>%{customdata[1]:.1%} of the previous step"
                "<br>%{customdata[0]:,} dropped off<extra></extra>"
            ),
            marker={"color": PALETTE[0]},
            connector={"fillcolor": "#dde6f0"},
        )
    )
    for step, drop, before in zip(
        funnel.step_names[1:], funnel.drop_off[1:], previous[1:], strict=True
    ):
        share = drop / before if before else 0.0
        figure.add_annotation(
            x=1.0,
            xref="paper",
            xanchor="left",
            y=step,
            yref="y",
            text=f"−{drop:,} dropped ({share:.0%})",
            showarrow=False,
            font={"color": "#b23b3b", "size": 12},
        )
    return _layout(
        figure,
        420,
        margin={"l": 130, "r": 170, "t": 30, "b": 30},
        uniformtext={"minsize": 11, "mode": "show"},
    )


def paths_figure(links: PathLinks) -> go.Figure:
    """Sankey: touch position x channel columns, flowing into one Conversion node."""
    channels = sorted({c for c, p in zip(links.channels, links.positions, strict=True) if p})
    colour = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(channels)}
    node_colours = [
        CONVERSION_COLOUR if p is None else colour[c]
        for c, p in zip(links.channels, links.positions, strict=True)
    ]
    node_labels = [
        c if p is None else f"{c} ({p})"
        for c, p in zip(links.channels, links.positions, strict=True)
    ]
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            valueformat=",d",
            valuesuffix=" conversions",
            node={
                "label": node_labels,
                "color": node_colours,
                "pad": 14,
                "thickness": 16,
                "line": {"width": 0},
            },
            link={
                "source": links.sources,
                "target": links.targets,
                "value": links.values,
                "color": [_rgba(node_colours[s], 0.35) for s in links.sources],
            },
        )
    )
    return _layout(figure, 520, margin={"l": 20, "r": 20, "t": 30, "b": 20})


def attribution_figure(attribution: AttributionByChannel) -> go.Figure:
    """Grouped bars: attributed conversions per channel, one bar per model."""
    figure = go.Figure(
        [
            go.Bar(
                name=model,
                x=attribution.channels,
                y=values,
                marker={"color": PALETTE[i % len(PALETTE)]},
                hovertemplate=f"{model}<br>%{{x}}: %{{y:,.1f}} conversions<extra></extra>",
            )
            for i, (model, values) in enumerate(
                zip(attribution.models, attribution.conversions, strict=True)
            )
        ]
    )
    return _layout(
        figure,
        460,
        barmode="group",
        yaxis_title="attributed conversions",
        legend={"orientation": "h", "y": 1.1},
    )


def retention_figure(grid: CohortGrid, grain: str = "month") -> go.Figure:
    """Heatmap: retention rate per cohort (row) and period since acquisition (column)."""
    figure = go.Figure(
        go.Heatmap(
            z=grid.rates,
            x=[f"{grain} {p}" for p in grid.periods],
            y=[f"{c} ({n:,})" for c, n in zip(grid.cohorts, grid.cohort_sizes, strict=True)],
            zmin=0,
            zmax=1,
            colorscale="Blues",
            texttemplate="%{z:.0%}",
            hovertemplate="cohort %{y}<br>%{x}: %{z:.1%} active<extra></extra>",
            colorbar={"title": {"text": "retained"}, "tickformat": ".0%"},
            xgap=2,
            ygap=2,
        )
    )
    return _layout(
        figure,
        max(260, 60 + 36 * len(grid.cohorts)),
        yaxis={"autorange": "reversed", "title": "cohort (customers)"},
        xaxis={"side": "top"},
        margin={"l": 150, "r": 30, "t": 60, "b": 20},
    )


def _bins(upper_bounds: list[float | None]) -> tuple[list[float], float, list[str]]:
    """Bin centres, the common width and a label per bin; the overflow bin (None) is drawn as
    one more bin after the last bound."""
    bounds = [b for b in upper_bounds if b is not None]
    width = bounds[1] - bounds[0] if len(bounds) > 1 else max(abs(bounds[0]), 1.0)
    centres, labels = [], []
    for i, upper in enumerate(upper_bounds):
        if upper is None:
            centres.append(bounds[-1] + width / 2)
            labels.append(f"above {bounds[-1]:,.0f}")
        else:
            centres.append(upper - width / 2)
            labels.append(f"{upper - width:,.0f} to {upper:,.0f}" if i else f"up to {upper:,.0f}")
    return centres, width, labels


def clv_figure(histogram: ValueHistogram) -> go.Figure:
    """Overlaid histograms: customers per bin of historical and of predicted CLV."""
    centres, width, labels = _bins(histogram.upper_bounds)
    series = (
        ("historical CLV (net revenue to date)", histogram.historical, PALETTE[0]),
        ("predicted CLV (horizon, discounted)", histogram.predicted, PALETTE[1]),
    )
    figure = go.Figure(
        [
            go.Bar(
                name=name,
                x=centres,
                y=counts,
                width=width,
                customdata=labels,
                marker={"color": colour, "line": {"width": 0.5, "color": "#fff"}},
                opacity=0.7,
                hovertemplate=f"{name}<br>%{{customdata}}: %{{y:,}} customers<extra></extra>",
            )
            for name, counts, colour in series
        ]
    )
    return _layout(
        figure,
        420,
        barmode="overlay",
        xaxis_title="customer value (reporting currency)",
        yaxis_title="customers",
        legend={"orientation": "h", "y": 1.12},
    )


def rfm_figure(segments: RfmSegments) -> go.Figure:
    """Two bar panels per RFM segment: customers and their net revenue."""
    figure = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=("customers", "net revenue (historical CLV)"),
    )
    figure.add_trace(
        go.Bar(
            name="customers",
            y=segments.segments,
            x=segments.customers,
            orientation="h",
            marker={"color": PALETTE[0]},
            texttemplate="%{x:,}",
            textposition="auto",
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Bar(
            name="net revenue",
            y=segments.segments,
            x=segments.net_revenue,
            orientation="h",
            marker={"color": PALETTE[2]},
            texttemplate="%{x:,.0f}",
            textposition="auto",
        ),
        row=1,
        col=2,
    )
    figure.update_yaxes(autorange="reversed")
    return _layout(
        figure,
        max(300, 80 + 34 * len(segments.segments)),
        showlegend=False,
        margin={"l": 140, "r": 30, "t": 40, "b": 30},
    )


def kpi_figure(kpis: DailyKpis) -> go.Figure:
    """Four stacked daily lines sharing the date axis."""
    panels = (
        ("sessions", kpis.sessions, ",d", ","),
        ("session conversion rate", kpis.conversion_rate, ".2%", ".0%"),
        ("orders", kpis.orders, ",d", ","),
        ("net revenue", kpis.net_revenue, ",.0f", ","),
    )
    figure = make_subplots(
        rows=len(panels),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.05,
        subplot_titles=[p[0] for p in panels],
    )
    for row, (name, values, fmt, ticks) in enumerate(panels, start=1):
        figure.add_trace(
            go.Scatter(
                name=name,
                x=kpis.dates,
                y=values,
                mode="lines+markers",
                marker={"size": 4, "color": PALETTE[row - 1]},
                line={"width": 2, "color": PALETTE[row - 1]},
                hovertemplate=f"%{{x}}: %{{y:{fmt}}}<extra>{name}</extra>",
            ),
            row=row,
            col=1,
        )
        figure.update_yaxes(tickformat=ticks, rangemode="tozero", row=row, col=1)
    return _layout(figure, 760, showlegend=False, margin={"l": 70, "r": 30, "t": 40, "b": 60})


def journey_map_figure(grid: JourneyGrid) -> go.Figure:
    """Heatmap: the journey map's stages (rows) against touchpoints (columns)."""
    figure = go.Figure(
        go.Heatmap(
            z=grid.values,
            x=grid.touchpoints,
            y=grid.stages,
            colorscale="Greens",
            texttemplate="%{z:,.0f}",
            hovertemplate=f"%{{y}} x %{{x}}: %{{z:,.0f}} {grid.measure.replace('_', ' ')}"
            "<extra></extra>",
            colorbar={"title": {"text": grid.measure.replace("_", " ")}},
            xgap=2,
            ygap=2,
        )
    )
    measure = grid.measure.replace("_", " ")
    title = f"{measure}, period {grid.period}" if grid.period else measure
    return _layout(
        figure,
        max(300, 100 + 50 * len(grid.stages)),
        title={"text": title, "font": {"size": 14}, "x": 0, "xref": "paper"},
        yaxis={"autorange": "reversed"},
        xaxis={"tickangle": -30},
        margin={"l": 130, "r": 30, "t": 50, "b": 110},
    )
