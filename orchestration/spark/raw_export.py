"""The raw layer for the `spark` target: DuckDB's raw tables as Parquet, registered in Spark.

The loaders keep writing DuckDB's raw schema (their bad-input policy, manifest and quarantine stay
as they are); this step copies every raw table to <spark dir>/raw/<table>/ as Parquet and
(re)creates the Spark table raw.<table> over it, so the dbt sources resolve on both engines.
JSON columns travel as strings (Spark has no JSON type); everything else keeps its type.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb


def _select_list(con: duckdb.DuckDBPyConnection, table: str) -> str:
    columns = con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'raw' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    parts = []
    for name, data_type in columns:
        quoted = '"' + name.replace('"', '""') + '"'
        parts.append(f"cast({quoted} as varchar) as {quoted}" if data_type == "JSON" else quoted)
    return ", ".join(parts)


def export_raw_parquet(warehouse: Path, out_dir: Path) -> dict[str, Path]:
    """Write each table of DuckDB schema raw to out_dir/<table>/data.parquet; table -> folder."""
    written: dict[str, Path] = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables"
                " where table_schema = 'raw' and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        ]
        for table in tables:
            folder = out_dir / table
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            target = str(folder / "data.parquet").replace("'", "''")
            con.execute(
                f'copy (select {_select_list(con, table)} from raw."{table}")'
                f" to '{target}' (format parquet)"
            )
            written[table] = folder
    finally:
        con.close()
    return written


def register_raw_tables(spark: Any, folders: dict[str, Path]) -> None:
    """(Re)create Spark tables raw.<table> over the Parquet folders."""
    spark.sql("create schema if not exists raw")
    for table, folder in folders.items():
        spark.sql(f"drop table if exists raw.`{table}`")
        spark.sql(f"create table raw.`{table}` using parquet location '{folder.as_posix()}'")
        spark.sql(f"refresh table raw.`{table}`")


def export_raw_to_spark(warehouse: Path, spark_dir: Path) -> dict[str, int]:
    """The whole step: Parquet files, Spark tables; table -> rows Spark reads."""
    from orchestration.spark.session import get_session

    folders = export_raw_parquet(warehouse, spark_dir / "raw")
    spark = get_session()
    register_raw_tables(spark, folders)
    return {table: spark.table(f"raw.`{table}`").count() for table in folders}
