"""The journey-map grid (marts.mart_journey_map, stage x touchpoint) on a small hand-made table,
read into a grid, drawn by the report in headless Chromium; and the sections of missing marts."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from chromium import charts, chromium, open_page

from orchestration.report import CHARTS, build_report
from orchestration.report.journey_map import journey_grid, match_columns

# (period, persona, stage, channel, touch type, customers reached). The 'All' persona rows are a
# rollup that must not be counted on top of the personas; the older period is not shown.
ROWS = [
    ("2024-02-01", "Bargain hunter", "awareness", "Paid Search", "web_session", 40),
    ("2024-02-01", "Loyal fan", "awareness", "Paid Search", "web_session", 10),
    ("2024-02-01", "Bargain hunter", "awareness", "Email", "email_clicked", 5),
    ("2024-02-01", "Loyal fan", "consideration", "Email", "email_clicked", 12),
    ("2024-02-01", "Loyal fan", "decision", "Direct", "web_session", 7),
    ("2024-02-01", "Bargain hunter", "retention", "Email", "email_clicked", 3),
    ("2024-02-01", "All", "awareness", "Paid Search", "web_session", 50),
    ("2024-02-01", "All", "consideration", "Email", "email_clicked", 12),
    ("2024-01-01", "Loyal fan", "awareness", "Paid Search", "web_session", 99),
    ("2024-01-01", "Loyal fan", "advocacy", "Referral", "web_session", 4),
]


def _hand_computed() -> dict[tuple[str, str], int]:
    """Cells of the latest period over the personas (not the rollup), by hand from ROWS."""
    latest = max(r[0] for r in ROWS)
    cells: dict[tuple[str, str], int] = {}
    for period, persona, stage, channel, touch_type, customers in ROWS:
        if period == latest and persona != "All":
            key = (stage, f"{channel} · {touch_type}")
            cells[key] = cells.get(key, 0) + customers
    return cells


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "hand.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.mart_journey_map (period_start_date date, persona varchar, "
        "journey_stage varchar, channel varchar, touch_type varchar, customers_reached bigint, "
        "share_to_next_stage double)"
    )
    con.executemany(
        "insert into marts.mart_journey_map values (?, ?, ?, ?, ?, ?, null)",
        [list(r) for r in ROWS],
    )
    con.close()
    return path


def test_columns_are_matched_by_likely_names() -> None:
    matched = match_columns(["period_start_date", "persona", "stage", "touchpoint", "customers"])
    assert matched is not None
    assert (matched.stage, matched.touchpoint, matched.measure) == (
        "stage",
        ("touchpoint",),
        "customers",
    )
    assert (matched.period, matched.persona) == ("period_start_date", "persona")
    split = match_columns(["journey_stage", "channel", "touch_type", "customers_reached"])
    assert split is not None and split.touchpoint == ("channel", "touch_type")
    assert split.period is None and split.persona is None
    assert match_columns(["journey_stage", "channel"]) is None  # nothing to count


def test_grid_is_the_latest_period_summed_over_personas(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        grid = journey_grid(con)
    finally:
        con.close()
    assert grid is not None
    expected = _hand_computed()
    assert grid.period == "2024-02-01"
    assert grid.measure == "customers_reached"
    assert grid.stages == ["awareness", "consideration", "decision", "retention"]  # stage order
    assert set(grid.touchpoints) == {t for _, t in expected}
    for i, stage in enumerate(grid.stages):
        for j, touchpoint in enumerate(grid.touchpoints):
            assert grid.values[i][j] == expected.get((stage, touchpoint)), (stage, touchpoint)
    # Columns by customers reached over all stages, most first.
    totals = [sum(v for v in column if v) for column in zip(*grid.values, strict=True)]
    assert totals == sorted(totals, reverse=True)


def test_report_draws_the_journey_map_and_notes_missing_marts(
    warehouse: Path, tmp_path: Path
) -> None:
    result = build_report(warehouse, tmp_path / "report")
    assert result.charts == ["chart-journey-map"]
    others = {c.section_id for c in CHARTS} - {"section-journey-map"}
    assert set(result.notes) == others
    assert all("not in this warehouse" in note for note in result.notes.values())

    with chromium() as driver:
        open_page(driver, result.path, ["chart-journey-map"])
        drawn = charts(driver)["chart-journey-map"]
        notes = [e.text for e in driver.find_elements("css selector", "section p.note")]
    assert drawn["drawn"]["heatmaps"] == 1
    trace = drawn["traces"][0]
    expected = _hand_computed()
    plotted = {
        (stage, touchpoint): value
        for stage, row in zip(trace["y"], trace["z"], strict=True)
        for touchpoint, value in zip(trace["x"], row, strict=True)
        if value is not None
    }
    assert plotted == expected
    assert len(notes) == len(others)
