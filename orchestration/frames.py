"""What a dbt Python model receives and returns, on either engine (README "Scaling out").

dbt-duckdb hands a Python model DuckDB relations; dbt-spark hands it Spark DataFrames. The models
only ever pull small aggregates into Python, by SQL over the relation: query_arrow runs that SQL
on whichever engine holds the relation (write it in the SQL both engines share: no double-quoted
strings, explicit casts, an ORDER BY wherever row order matters). model_output hands the result
back in the form the engine's materialization saves.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa


def is_spark(obj: Any) -> bool:
    """True for a Spark DataFrame or SparkSession (duck-typed: pyspark is an optional extra)."""
    return type(obj).__module__.startswith("pyspark.")


def query_arrow(relation: Any, name: str, sql: str) -> pa.Table:
    """Run `sql`, in which the relation is called `name`, on the relation's engine."""
    if is_spark(relation):
        relation.createOrReplaceTempView(name)
        return relation.sparkSession.sql(sql).toArrow()
    table = relation.query(name, sql).arrow()
    return table.read_all() if hasattr(table, "read_all") else table  # DuckDB 2: a batch reader


def query_rows(relation: Any, name: str, sql: str) -> list[tuple]:
    """The rows of query_arrow as tuples (for small results)."""
    table = query_arrow(relation, name, sql)
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return list(zip(*columns, strict=True)) if columns else []


def model_output(table: pa.Table, session: Any) -> Any:
    """The model's result as the engine saves it: a Spark DataFrame on Spark, else the table."""
    if is_spark(session):
        return session.createDataFrame(table)
    return table
