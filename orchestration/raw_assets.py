"""One Dagster asset per raw table: load its files from the landing folder into schema raw."""

import dagster as dg

from orchestration.loaders.landing import Source, all_sources, connect, load_source
from orchestration.resources import WarehouseResource

# DuckDB allows one writing process: every writer runs in this pool (size 1, see dagster.yaml).
DUCKDB_POOL = "duckdb_writer"


def raw_loader_asset(source: Source) -> dg.AssetsDefinition:
    @dg.asset(
        name=source.table,
        key_prefix=["raw"],
        group_name="raw",
        kinds={"duckdb"},
        pool=DUCKDB_POOL,
        description=f"Files of landing/{source.folder}/ loaded into raw.{source.table}.",
    )
    def load(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        con = connect(warehouse.warehouse)
        try:
            report = load_source(con, warehouse.landing, source)
            total_rows = con.execute(f"select count(*) from raw.{source.table}").fetchall()[0][0]
        finally:
            con.close()
        context.log.info(report.summary())
        return dg.MaterializeResult(
            metadata={
                "files_loaded": sum(f.status == "loaded" for f in report.files),
                "files_replaced": sum(f.status == "replaced" for f in report.files),
                "files_unchanged": sum(f.status == "unchanged" for f in report.files),
                "rows_written": report.rows_written,
                "dagster/row_count": total_rows,
            }
        )

    return load


raw_assets = [raw_loader_asset(source) for source in all_sources()]
