"""BG/NBD and Gamma-Gamma fits of this run (SPEC 9): one row per model.

The SQL models build the summaries; here only aggregates cross into Python: BG/NBD is fitted on the
distinct (x, t_x, T) combinations with their customer counts as weights (their number depends on the
length of the history, not on the customers), Gamma-Gamma on (x, m) of the repeat buyers with m > 0
(it needs positive spend). With var clv_holdout_days set, both models are fitted again on the
calibration summaries of int_customers__clv_holdout and their predictions for the holdout days are
compared with what the customers actually did there.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from orchestration.clv import (
    expected_order_value,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
)
from orchestration.frames import model_output, query_arrow, query_rows

MODELS = ("bgnbd", "gamma_gamma")
SCHEMA = pa.schema(
    [
        ("model", pa.string()),
        ("time_unit", pa.string()),
        ("observation_end_date", pa.date32()),
        ("r", pa.float64()),
        ("alpha", pa.float64()),
        ("a", pa.float64()),
        ("b", pa.float64()),
        ("p", pa.float64()),
        ("q", pa.float64()),
        ("gamma", pa.float64()),
        ("log_likelihood", pa.float64()),
        ("n_customers", pa.int64()),
        ("converged", pa.bool_()),
        ("fit_seconds", pa.float64()),
        ("fitted_at", pa.timestamp("us")),
        ("holdout_days", pa.int64()),
        ("calibration_end_date", pa.date32()),
        ("holdout_customers", pa.int64()),
        ("holdout_actual", pa.float64()),
        ("holdout_predicted", pa.float64()),
        ("holdout_mae", pa.float64()),
    ]
)


def _columns(relation, sql: str) -> dict[str, np.ndarray]:  # noqa: ANN001 - a dbt relation
    table = query_arrow(relation, "summaries", sql)
    return {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}


def _bgnbd_inputs(relation) -> dict[str, np.ndarray]:  # noqa: ANN001
    return _columns(
        relation,
        "select cast(x as double) as x, cast(t_x as double) as t_x, cast(age_t as double) as age_t, "
        "cast(count(*) as double) as customers from summaries group by x, t_x, age_t order by x, t_x, age_t",
    )


def _gamma_gamma_inputs(relation) -> dict[str, np.ndarray]:  # noqa: ANN001
    return _columns(
        relation,
        "select cast(x as double) as x, cast(m as double) as m from summaries "
        "where x > 0 and m > 0 order by customer_key",
    )


def _fit(relation) -> tuple:  # noqa: ANN001
    """(BgNbdFit or None, GammaGammaFit or None) on the summaries of `relation`."""
    bg_in = _bgnbd_inputs(relation)
    bgnbd = None
    if bg_in["x"].size and bg_in["x"].max() > 0:  # no repeat purchase at all: nothing to fit
        bgnbd = fit_bgnbd(bg_in["x"], bg_in["t_x"], bg_in["age_t"], weights=bg_in["customers"])
    gg_in = _gamma_gamma_inputs(relation)
    gamma_gamma = fit_gamma_gamma(gg_in["x"], gg_in["m"]) if gg_in["x"].size >= 2 else None
    return bgnbd, gamma_gamma


def _holdout_errors(relation, bgnbd, gamma_gamma, days: int) -> dict[str, dict]:  # noqa: ANN001
    """Per model: customers compared, actual and predicted totals, mean absolute error."""
    out: dict[str, dict] = {}
    if bgnbd is not None:
        groups = _columns(
            relation,
            "select cast(x as double) as x, cast(t_x as double) as t_x, "
            "cast(age_t as double) as age_t, cast(holdout_purchase_days as double) as actual, "
            "cast(count(*) as double) as customers from summaries "
            "group by x, t_x, age_t, holdout_purchase_days order by x, t_x, age_t, actual",
        )
        predicted = expected_purchases(
            bgnbd.params, float(days), groups["x"], groups["t_x"], groups["age_t"]
        )
        n = groups["customers"]
        out["bgnbd"] = {
            "holdout_customers": int(n.sum()),
            "holdout_actual": float((n * groups["actual"]).sum()),
            "holdout_predicted": float((n * predicted).sum()),
            "holdout_mae": float((n * np.abs(predicted - groups["actual"])).sum() / n.sum()),
        }
    if gamma_gamma is not None:
        buyers = _columns(
            relation,
            "select cast(x as double) as x, cast(coalesce(m, 0) as double) as m, "
            "cast(holdout_purchase_days as double) as purchases, "
            "cast(holdout_value as double) as value from summaries "
            "where holdout_purchase_days > 0 order by customer_key",
        )
        if buyers["x"].size:
            value = expected_order_value(gamma_gamma.params, buyers["x"], buyers["m"])
            actual_mean = buyers["value"] / buyers["purchases"]
            out["gamma_gamma"] = {
                "holdout_customers": int(buyers["x"].size),
                "holdout_actual": float(buyers["value"].sum()),
                "holdout_predicted": float((value * buyers["purchases"]).sum()),
                "holdout_mae": float(np.abs(value - actual_mean).mean()),
            }
    return out


def model(dbt, session):  # noqa: ANN001, ANN201 - dbt's Python model signature
    dbt.config(materialized="table")
    summaries = dbt.ref("int_customers__clv_summaries")
    holdout = dbt.ref("int_customers__clv_holdout")
    observation_end = query_rows(
        summaries, "summaries", "select max(observation_end_date) from summaries"
    )[0][0]

    bgnbd, gamma_gamma = _fit(summaries)
    fitted_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    holdout_info = query_rows(
        holdout, "summaries", "select max(holdout_days), max(calibration_end_date) from summaries"
    )[0]
    holdout_days, calibration_end = holdout_info if holdout_info[0] is not None else (None, None)
    errors: dict[str, dict] = {}
    if holdout_days:
        cal_bgnbd, cal_gamma_gamma = _fit(holdout)
        errors = _holdout_errors(holdout, cal_bgnbd, cal_gamma_gamma, int(holdout_days))

    rows: dict[str, list] = {field.name: [] for field in SCHEMA}
    for name, fit in zip(MODELS, (bgnbd, gamma_gamma), strict=True):
        params = fit.params if fit is not None else None
        values = {
            "model": name,
            "time_unit": "days",
            "observation_end_date": observation_end,
            "log_likelihood": fit.log_likelihood if fit is not None else None,
            "n_customers": fit.n_customers if fit is not None else 0,
            "converged": bool(fit.converged) if fit is not None else False,
            "fit_seconds": fit.seconds if fit is not None else None,
            "fitted_at": fitted_at,
            "holdout_days": int(holdout_days) if holdout_days else None,
            "calibration_end_date": calibration_end,
        }
        for param in ("r", "alpha", "a", "b") if name == "bgnbd" else ("p", "q", "gamma"):
            values[param] = float(getattr(params, param)) if params is not None else None
        values.update(errors.get(name, {}))
        for field in SCHEMA:
            value = values.get(field.name)
            if isinstance(value, np.generic):
                value = value.item()
            rows[field.name].append(value)
    return model_output(pa.table(rows, schema=SCHEMA), session)
