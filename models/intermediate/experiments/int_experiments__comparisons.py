"""Per experiment and variant: rates, revenue per user and the comparison with the control variant.

Reads the tiny per-variant aggregates of int_experiments__variants (users, conversions, sum and
sum of squares of net revenue per user) and runs orchestration.experiments (scipy.stats):
two-proportion z-test for the conversion rate (unpooled SE for the interval, pooled for the test),
Welch's t-test for revenue per user, and the chi-square sample-ratio check of the users per variant
against var experiment_expected_split (null: equal shares; {variant: share} for every experiment;
{experiment_id: {variant: share}} per experiment). The control row and experiments without the
control variant (var experiment_control_variant) get null differences.
"""

from __future__ import annotations

import json

import pyarrow as pa

from orchestration.experiments import FLOAT_COLUMNS, compare_variants
from orchestration.frames import model_output, query_arrow


def model(dbt, session):  # noqa: ANN001, ANN201 - dbt's Python model signature
    dbt.config(materialized="table")
    control = str(dbt.config.get("experiment_control_variant"))
    split = json.loads(dbt.config.get("experiment_expected_split") or "null")
    alpha = float(dbt.config.get("experiment_srm_alpha"))
    confidence = float(dbt.config.get("experiment_confidence_level"))
    table = query_arrow(
        dbt.ref("int_experiments__variants"),
        "variants",
        "select * from variants order by experiment_id, variant",
    )
    variants = table.to_pylist()
    by_experiment: dict[str, list[dict]] = {}
    for row in variants:
        by_experiment.setdefault(row["experiment_id"], []).append(row)
    rows = [
        out
        for experiment in by_experiment.values()
        for out in compare_variants(experiment, control, split, alpha, confidence)
    ]
    ts_type = table.schema.field("first_exposed_at").type
    schema = pa.schema(
        [
            ("experiment_id", pa.string()),
            ("variant", pa.string()),
            ("is_control", pa.bool_()),
            ("users", pa.int64()),
            ("conversions", pa.int64()),
            ("orders", pa.int64()),
            ("net_revenue", pa.float64()),
            ("first_exposed_at", ts_type),
            ("last_exposed_at", ts_type),
            ("excluded_users", pa.int64()),
            ("has_sample_ratio_mismatch", pa.bool_()),
            *((name, pa.float64()) for name in FLOAT_COLUMNS),
        ]
    )
    return model_output(
        pa.Table.from_pylist(
            [{name: row.get(name) for name in schema.names} for row in rows], schema=schema
        ),
        session,
    )
