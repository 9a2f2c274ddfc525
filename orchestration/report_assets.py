"""The journey report as a Dagster asset downstream of every mart: it runs after dbt build,
opens the warehouse read-only (no write lock, no writer pool) and writes the static HTML page."""

import dagster as dg

from orchestration.dbt_assets import journey_dbt_assets
from orchestration.report import build_report
from orchestration.resources import WarehouseResource

REPORT_KEY = dg.AssetKey(["report", "journey_report"])
MART_KEYS = sorted(
    (key for key in journey_dbt_assets.keys if key.path[0] == "marts"), key=lambda k: k.path
)


@dg.asset(
    key=REPORT_KEY,
    deps=MART_KEYS,
    group_name="report",
    kinds={"html", "plotly"},
    description="Static HTML journey report (<warehouse dir>/report/index.html) from the marts.",
)
def journey_report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    result = build_report(warehouse.warehouse)
    context.log.info(f"journey report: {result.path} ({len(result.charts)} charts)")
    for section, note in result.notes.items():
        context.log.info(f"{section}: {note}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "charts": dg.MetadataValue.json(result.charts),
            "sections_without_chart": dg.MetadataValue.json(result.notes),
        }
    )
