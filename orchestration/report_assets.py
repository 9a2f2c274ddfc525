"""The journey report as a Dagster asset after the publish step: it is built from the published
file BI reads (only audited marts), opened read-only (no write lock, no writer pool), and written
to <working warehouse dir>/report/index.html."""

import dagster as dg

from orchestration.dbt_assets import journey_dbt_assets
from orchestration.publish_asset import PUBLISH_KEY
from orchestration.report import build_report, default_out_dir
from orchestration.resources import WarehouseResource

REPORT_KEY = dg.AssetKey(["report", "journey_report"])
MART_KEYS = sorted(
    (key for key in journey_dbt_assets.keys if key.path[0] == "marts"), key=lambda k: k.path
)


@dg.asset(
    key=REPORT_KEY,
    deps=[*MART_KEYS, PUBLISH_KEY],
    group_name="report",
    kinds={"html", "plotly"},
    description="Static HTML journey report (<warehouse dir>/report/index.html) from the "
    "published marts.",
)
def journey_report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    source = warehouse.published
    if not source.exists():  # nothing published yet (e.g. journey run --no-publish)
        context.log.warning(f"no published warehouse at {source}: journey report not built")
        return dg.MaterializeResult(metadata={"skipped": f"no published file {source}"})
    result = build_report(source, default_out_dir(warehouse.warehouse))
    context.log.info(f"journey report: {result.path} ({len(result.charts)} charts) from {source}")
    for section, note in result.notes.items():
        context.log.info(f"{section}: {note}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "source": dg.MetadataValue.path(str(source)),
            "charts": dg.MetadataValue.json(result.charts),
            "sections_without_chart": dg.MetadataValue.json(result.notes),
        }
    )
