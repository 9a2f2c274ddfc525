"""Read the aggregated journeys of `int_attribution__journeys` inside a dbt Python model.

dbt-duckdb hands a Python model a DuckDB relation, dbt-spark a Spark DataFrame (orchestration.frames);
the grouping runs in SQL there, so only one row
per distinct channel path (a size set by channels and path variety, not by customers) reaches
Python.
"""

from __future__ import annotations

from typing import Any

from orchestration.attribution.paths import PathAggregate
from orchestration.frames import query_arrow, query_rows

PATH_SEPARATOR = " > "
SET_SEPARATOR = " + "

_PATHS_SQL = (
    "select channel_path, sum(conversions) as conversions, sum(revenue) as revenue, "
    "sum(1 - conversions) as nulls from journeys group by channel_path order by channel_path"
)
_CONVERTING_SETS_SQL = (
    "select distinct channel_set from journeys where conversions = 1 order by channel_set"
)


def path_aggregates(journeys: Any) -> list[PathAggregate]:
    """One PathAggregate per distinct channel path of the journeys relation."""
    columns = query_arrow(journeys, "journeys", _PATHS_SQL).to_pydict()
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
    rows = query_rows(journeys, "journeys", _CONVERTING_SETS_SQL)
    return [channel_set.split(SET_SEPARATOR) for (channel_set,) in rows]
