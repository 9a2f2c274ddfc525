"""One Dagster asset per raw table: load its files from the landing folder into schema raw.

Each materialisation reports, as metadata, what happened to every file (rows loaded, rows
quarantined, rejected, duplicate, new columns kept in _extra). When a file was rejected the other
files are still loaded, the same metadata is logged as an observation, and the step fails naming
every rejected file, so dbt does not build on incomplete input.
"""

import dagster as dg

from orchestration.loaders.landing import Source, SourceReport, all_sources, connect, load_source
from orchestration.resources import WarehouseResource

# DuckDB allows one writing process: every writer runs in this pool (size 1, see dagster.yaml).
DUCKDB_POOL = "duckdb_writer"


def _files_table(report: SourceReport) -> str:
    """Markdown: one line per file that is not unchanged."""
    lines = [
        "| file | status | rows loaded | rows quarantined | new columns (_extra) | message |",
        "|---|---|---|---|---|---|",
    ]
    for f in report.files:
        if f.status == "unchanged":
            continue
        message = f.message.replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {f.file_path} | {f.status} | {f.rows} | {f.quarantined} | "
            f"{', '.join(f.drift)} | {message} |"
        )
    return "\n".join(lines)


def report_metadata(report: SourceReport) -> dict[str, object]:
    return {
        "bad_input_policy": report.policy,
        "files_loaded": report.count("loaded"),
        "files_replaced": report.count("replaced"),
        "files_unchanged": report.count("unchanged"),
        "files_duplicate": report.count("duplicate"),
        "files_rejected": report.count("failed"),
        "files_ignored": report.count("ignored"),
        "rows_written": report.rows_written,
        "rows_quarantined": report.rows_quarantined,
        "drift_columns": dg.MetadataValue.json(report.drift),
        "rejected": dg.MetadataValue.json({e.file: str(e) for e in report.errors}),
        "files": dg.MetadataValue.md(_files_table(report)),
    }


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
        for warning in report.warnings:
            context.log.warning(warning)
        context.log.info(report.summary())
        metadata = report_metadata(report) | {"dagster/row_count": total_rows}
        if report.errors:
            for error in report.errors:
                context.log.error(str(error))
            context.log_event(dg.AssetObservation(asset_key=context.asset_key, metadata=metadata))
            raise dg.Failure(
                description=f"{len(report.errors)} file(s) rejected for raw.{source.table}: "
                + " | ".join(str(e) for e in report.errors),
                metadata=metadata,
            )
        return dg.MaterializeResult(metadata=metadata)

    return load


raw_assets = [raw_loader_asset(source) for source in all_sources()]
