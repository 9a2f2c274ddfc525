"""The journey report on the generated sample, rendered in headless Chromium with no network.

Every chart must have drawn marks for its data (bars, lines, heatmap image, Sankey links), and
the numbers it plots must equal what independent SQL on the warehouse gives.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import defaultdict
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from chromium import charts, chromium, open_page, resources_requested, screenshot_charts

from orchestration.cli import main as journey
from orchestration.config import PROJECT_DIR, project_var, published_path
from orchestration.definitions import build_definitions
from orchestration.publish_asset import PUBLISH_KEY
from orchestration.report import build_report

SCREENSHOTS = PROJECT_DIR / "build" / "report_screenshots"
FUNNEL_IDS = [f"chart-funnel-{f['name']}" for f in project_var("funnels")]
CHART_IDS = [
    "chart-kpis",
    *FUNNEL_IDS,
    "chart-paths",
    "chart-attribution",
    "chart-retention",
    "chart-clv",
    "chart-rfm",
    "chart-journey-map",
]


@pytest.fixture(scope="module")
def report(built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    assert journey(["report", "--warehouse", str(built.warehouse), "--out", str(out)]) == 0
    return out / "index.html"


@pytest.fixture(scope="module")
def rendered(report: Path) -> dict:
    """Open the page offline, wait for every chart, read what plotly drew, take screenshots."""
    with chromium() as driver:
        seconds = open_page(driver, report, CHART_IDS)
        drawn = charts(driver)
        fetched = resources_requested(driver)
        notes = {
            e.get_attribute("id"): e.text
            for e in driver.find_elements("css selector", "section")
            if e.find_elements("css selector", "p.note")
        }
        started = time.perf_counter()
        shots = screenshot_charts(driver, CHART_IDS, SCREENSHOTS)
        shot_seconds = time.perf_counter() - started
    return {
        "charts": drawn,
        "fetched": fetched,
        "notes": notes,
        "shots": shots,
        "seconds": seconds,
        "shot_seconds": shot_seconds,
    }


def _trace(rendered: dict, chart_id: str, name: str | None = None) -> dict:
    traces = rendered["charts"][chart_id]["traces"]
    return traces[0] if name is None else next(t for t in traces if t["name"] == name)


def test_page_is_self_contained(report: Path, rendered: dict) -> None:
    html = report.read_text(encoding="utf-8")
    assert "<script src" not in html and "<link" not in html  # plotly.js is inlined
    assert html.count("Plotly.newPlot") == len(CHART_IDS)
    assert rendered["fetched"] == []  # the offline browser fetched nothing besides the page


def _numbers(trace: dict) -> list:
    """The trace's plotted values: y, or x when y holds the category labels."""
    for axis in ("y", "x"):
        values = trace.get(axis) or []
        if values and all(isinstance(v, int | float) or v is None for v in values):
            return values
    return []


def test_every_chart_drew_its_data(rendered: dict, capsys) -> None:
    assert set(rendered["charts"]) == set(CHART_IDS)
    for chart_id, chart in rendered["charts"].items():
        marks = chart["drawn"]
        for trace in chart["traces"]:
            kind = trace["type"]
            if kind in ("bar", "funnel"):
                assert any(_numbers(trace)), (chart_id, trace["name"])
                assert marks["bars"] > 0, chart_id
            elif kind == "scatter":
                assert any(v is not None for v in _numbers(trace)), (chart_id, trace["name"])
                assert marks["lines"] == len(chart["traces"]), chart_id
            elif kind == "heatmap":
                assert any(v is not None for row in trace["z"] for v in row), chart_id
                assert marks["heatmaps"] == 1, chart_id
            elif kind == "sankey":
                assert trace["link"]["value"] and all(v > 0 for v in trace["link"]["value"])
                assert marks["sankey_links"] == len(trace["link"]["value"]), chart_id
                assert marks["sankey_nodes"] == len(trace["node"]["label"]), chart_id
            else:
                raise AssertionError(f"{chart_id}: unexpected trace type {kind}")
    with capsys.disabled():
        print(
            f"\njourney report drawn in headless Chromium in {rendered['seconds']:.1f}s; "
            f"chart screenshots ({rendered['shot_seconds']:.1f}s):"
        )
        for path in rendered["shots"]:
            print(f"  {path}")
    assert all(p.stat().st_size > 5_000 for p in rendered["shots"])


def test_bars_are_drawn_one_per_nonzero_value(rendered: dict) -> None:
    """A bar or funnel chart draws one rectangle with an area per non-zero value."""
    for chart_id in ("chart-attribution", "chart-clv", "chart-rfm", *FUNNEL_IDS):
        chart = rendered["charts"][chart_id]
        nonzero = sum(1 for trace in chart["traces"] for v in _numbers(trace) if v)
        assert chart["drawn"]["bars"] == nonzero, chart_id


def test_funnel_entrants_and_drop_offs(built, rendered: dict) -> None:
    for funnel, chart_id in zip(project_var("funnels"), FUNNEL_IDS, strict=True):
        trace = _trace(rendered, chart_id)
        steps = len(funnel["steps"])
        # Entries reaching step k, counted from the entry rows (not from mart_funnel_daily).
        reached = built.query(
            "select k, count(*) filter (where steps_reached >= k) from marts.fct_funnel_entries, "
            "range(1, ? + 1) t(k) where funnel_name = ? group by k order by k",
            [steps, funnel["name"]],
        )
        assert trace["x"] == [r[1] for r in reached]
        first = built.query(
            "select sum(entrants) from marts.mart_funnel_daily "
            "where funnel_name = ? and step_number = 1",
            [funnel["name"]],
        )[0][0]
        assert trace["x"][0] == first
        drops = [
            int(re.search(r"([\d,]+) dropped", a).group(1).replace(",", ""))
            for a in rendered["charts"][chart_id]["annotations"]
        ]
        assert drops == [a - b for a, b in zip(trace["x"], trace["x"][1:], strict=False)]
        conversions = [row[1] for row in trace["customdata"]]
        assert conversions[0] == 1
        for k in range(1, steps):
            assert math.isclose(conversions[k], trace["x"][k] / trace["x"][k - 1])


def test_paths_sankey_carries_the_top_paths_conversions(built, rendered: dict) -> None:
    sankey = _trace(rendered, "chart-paths")
    labels, link = sankey["node"]["label"], sankey["link"]
    top = built.query(
        "select sum(conversions) from (select conversions from marts.mart_conversion_paths "
        "where path_type = 'converting' and path_length > 0 order by conversions desc limit 15)"
    )[0][0]
    conversion = labels.index("Conversion")
    into_conversion = sum(
        v for t, v in zip(link["target"], link["value"], strict=True) if t == conversion
    )
    first_touch = {i for i, label in enumerate(labels) if label.endswith("(1)")}
    out_of_first = sum(
        v for s, v in zip(link["source"], link["value"], strict=True) if s in first_touch
    )
    assert into_conversion == out_of_first == top
    # Every touch after the first carries what came in: flow is conserved through each node.
    flow_in, flow_out = defaultdict(int), defaultdict(int)
    for s, t, v in zip(link["source"], link["target"], link["value"], strict=True):
        flow_out[s] += v
        flow_in[t] += v
    for node in set(flow_in) - {conversion}:
        assert flow_in[node] == flow_out[node], labels[node]


def test_attribution_bars_add_up_to_the_conversions_per_model(built, rendered: dict) -> None:
    expected = dict(
        built.query(
            "select model, count(distinct conversion_id) from marts.fct_attribution group by 1"
        )
    )
    traces = rendered["charts"]["chart-attribution"]["traces"]
    assert {t["name"] for t in traces} == set(expected)
    for trace in traces:
        assert math.isclose(sum(trace["y"]), expected[trace["name"]], rel_tol=1e-9), trace["name"]


def _day(value: object) -> str:
    """ISO date of a DATE or TIMESTAMP value."""
    return str(value)[:10]


def test_retention_heatmap_matches_the_orders(built, rendered: dict) -> None:
    trace = _trace(rendered, "chart-retention")
    z = trace["z"]
    assert z and all(row[0] == 1.0 for row in z)  # period 0 is everyone
    # Independently from fct_orders: each customer's first order month, then who ordered when.
    active = built.query(
        """
        with orders as (
            select customer_key, date_trunc('month', order_date) as month
            from marts.fct_orders where not is_cancelled and customer_key is not null
        ),
        firsts as (select customer_key, min(month) as cohort from orders group by 1),
        sizes as (select cohort, count(*) as size from firsts group by 1)
        select f.cohort, date_diff('month', f.cohort, o.month) as period,
               count(distinct o.customer_key) as customers, any_value(s.size) as size
        from orders o join firsts f using (customer_key) join sizes s using (cohort)
        group by 1, 2
        order by 1, 2
        """
    )
    sizes = {_day(r[0]): r[3] for r in active}
    labels = [label.split(" ") for label in trace["y"]]
    assert [cohort for cohort, _ in labels] == sorted(sizes)
    assert [int(n.strip("()").replace(",", "")) for _, n in labels] == [
        sizes[c] for c in sorted(sizes)
    ]
    rows = sorted(sizes)
    periods = [int(x.split(" ")[-1]) for x in trace["x"]]
    for cohort, period, customers, size in active:
        cell = z[rows.index(_day(cohort))][periods.index(period)]
        assert math.isclose(cell, customers / size), (cohort, period)
    # Periods nobody of the cohort bought in are drawn as 0, not left out.
    drawn = sum(1 for row in z for v in row if v is not None)
    assert drawn >= len(active)


def _bin_counts(built, column: str, trace: dict) -> list[int]:
    """Customers per drawn bin (lower, upper], counted in SQL from the bar centres and width."""
    counts = []
    width = trace["width"]
    for i, centre in enumerate(trace["x"]):
        low, high = centre - width / 2, centre + width / 2
        last = i == len(trace["x"]) - 1 and trace["customdata"][i].startswith("above")
        condition = (
            f"{column} > {low!r}"
            if last
            else (
                f"{column} <= {high!r}"
                if i == 0
                else f"{column} > {low!r} and {column} <= {high!r}"
            )
        )
        counts.append(
            built.query(f"select count(*) from marts.mart_customer_value where {condition}")[0][0]
        )
    return counts


def test_clv_histograms_count_every_customer_in_its_bin(built, rendered: dict) -> None:
    historical = _trace(rendered, "chart-clv", "historical CLV (net revenue to date)")
    predicted = _trace(rendered, "chart-clv", "predicted CLV (horizon, discounted)")
    customers, with_prediction = built.query(
        "select count(*), count(predicted_clv) from marts.mart_customer_value"
    )[0]
    assert sum(historical["y"]) == customers
    assert sum(predicted["y"]) == with_prediction > 0
    assert historical["y"] == _bin_counts(built, "net_revenue", historical)
    assert predicted["y"] == _bin_counts(built, "predicted_clv", predicted)


def test_rfm_segments_count_customers_and_revenue(built, rendered: dict) -> None:
    customers = _trace(rendered, "chart-rfm", "customers")
    revenue = _trace(rendered, "chart-rfm", "net revenue")
    expected = built.query(
        "select rfm_segment, count(*), sum(net_revenue) from marts.mart_customer_value group by 1"
    )
    assert dict(zip(customers["y"], customers["x"], strict=True)) == {r[0]: r[1] for r in expected}
    for segment, value in zip(revenue["y"], revenue["x"], strict=True):
        assert math.isclose(value, float(next(r[2] for r in expected if r[0] == segment)))
    total = built.query(
        "select sum(net_revenue_reporting) from marts.fct_orders "
        "where not is_cancelled and customer_key is not null"
    )[0][0]
    assert math.isclose(sum(revenue["x"]), float(total), rel_tol=1e-9)


def test_kpi_trends_match_sessions_and_orders(built, rendered: dict) -> None:
    sessions = _trace(rendered, "chart-kpis", "sessions")
    rate = _trace(rendered, "chart-kpis", "session conversion rate")
    orders = _trace(rendered, "chart-kpis", "orders")
    revenue = _trace(rendered, "chart-kpis", "net revenue")
    per_day = {
        str(day): (n, bought)
        for day, n, bought in built.query(
            "select session_date, count(*), count(*) filter (where has_purchase) "
            "from marts.fct_sessions group by 1"
        )
    }
    for day, n, r in zip(sessions["x"], sessions["y"], rate["y"], strict=True):
        expected_n, bought = per_day.get(day, (0, 0))
        assert n == expected_n, day
        if expected_n:
            assert math.isclose(r, bought / expected_n), day
    n_orders, net = built.query(
        "select count(*), sum(net_revenue_reporting) from marts.fct_orders where not is_cancelled"
    )[0]
    assert sum(orders["y"]) == n_orders
    assert math.isclose(sum(revenue["y"]), float(net), rel_tol=1e-9)


def test_journey_map_grid_is_the_latest_period_of_the_mart(built, rendered: dict) -> None:
    trace = _trace(rendered, "chart-journey-map")
    cells = built.query(
        """
        select stage, min(stage_number), channel || ' · ' || touch_type, sum(customers_reached)
        from marts.mart_journey_map
        where period_start = (select max(period_start) from marts.mart_journey_map)
        group by stage, channel, touch_type
        """
    )
    assert cells
    expected = {(r[0], r[2]): r[3] for r in cells}
    plotted = {
        (stage, touchpoint): value
        for stage, row in zip(trace["y"], trace["z"], strict=True)
        for touchpoint, value in zip(trace["x"], row, strict=True)
        if value is not None
    }
    assert plotted == expected
    stage_numbers = {r[0]: r[1] for r in cells}
    assert trace["y"] == sorted(stage_numbers, key=stage_numbers.get)  # rows in journey order


def test_header_shows_the_data_range_and_build_time(built, report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    first, last = built.query(
        "select min(session_date), max(session_date) from marts.fct_sessions"
    )[0]
    assert f"{first} to {last}" in html
    assert "report built" in html and "warehouse built" in html


def test_report_needs_no_write_lock(built, tmp_path: Path) -> None:
    """It builds while this process holds a read-only connection, which a read-write open of the
    same file would conflict with."""
    holder = duckdb.connect(str(built.warehouse), read_only=True)
    try:
        result = build_report(built.warehouse, tmp_path)
    finally:
        holder.close()
    assert result.charts == CHART_IDS


def test_nightly_job_built_the_report_from_the_published_file(built) -> None:
    nightly = built.warehouse.parent / "report" / "index.html"
    html = nightly.read_text(encoding="utf-8")
    assert f"<dd>{published_path(None, built.warehouse)}</dd>" in html
    for chart_id in CHART_IDS:
        assert f'id="{chart_id}"' in html


def test_report_asset_runs_after_every_mart(tmp_path: Path) -> None:
    """In the nightly job the report is downstream of every mart and of the publish step."""
    defs = build_definitions(tmp_path / "landing", tmp_path / "wh.duckdb")
    graph = defs.resolve_job_def("nightly").asset_layer.asset_graph
    key = dg.AssetKey(["report", "journey_report"])
    assert key in graph.get_all_asset_keys()
    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    marts = {
        dg.AssetKey(["marts", node["name"]])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }
    assert marts and graph.get(key).parent_keys == marts | {PUBLISH_KEY}
