"""Read the aggregated journeys of `int_attribution__journeys` inside a dbt Python model.

dbt-duckdb hands a Python model a DuckDB relation; the grouping runs in SQL there, so only one row
per distinct channel path (a size set by channels and path variety, not by customers) reaches
Python.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from orchestration.attribution.paths import PathAggregate

PATH_SEPARATOR = " > "
SET_SEPARATOR = " + "

_PATHS_SQL = (
    "select channel_path, sum(conversions) as conversions, sum(revenue) as revenue, "
    "sum(1 - conversions) as nulls from journeys group by channel_path"
)
_CONVERTING_SETS_SQL = (
    "select distinct channel_set from journeys where conversions = 1 order by channel_set"
)


def _arrow(result: Any) -> pa.Table:
    table = result.arrow()
    return table.read_all() if hasattr(table, "read_all") else table


def path_aggregates(journeys: Any) -> list[PathAggregate]:
    """One PathAggregate per distinct channel path of the journeys relation."""
    columns = _arrow(journeys.query("journeys", _PATHS_SQL)).to_pydict()
    return [
        PathAggregate(tuple(path.split(PATH_SEPARATOR)), float(conv), float(value), float(nulls))
        for path, conv, value, nulls in zip(
            columns["channel_path"],
            columns["conversions"],
            columns["revenue"],
            columns["nulls"],
            strict=True,
        )
    ]


def converting_channel_sets(journeys: Any) -> list[list[str]]:
    """The distinct channel sets of converting journeys, each as its sorted channel list."""
    rows = journeys.query("journeys", _CONVERTING_SETS_SQL).fetchall()
    return [channel_set.split(SET_SEPARATOR) for (channel_set,) in rows]
