"""Per-customer BG/NBD and Gamma-Gamma predictions (SPEC 9) with this run's fitted parameters.

Reads the parameters from int_customers__clv_fits (no refit: the predictions use exactly the
parameters the fit report shows) and one summary row per customer (x, t_x, T, m: four numbers).
Time unit days. predicted_clv sums the expected purchases of each of the next var
clv_horizon_months months (orchestration.clv.DAYS_PER_MONTH = 30.4375 days each) x the expected
order value, each month discounted by var clv_monthly_discount_rate as if paid at its end. Customers
get null predictions when a model could not be fitted (or Gamma-Gamma's q <= 1: infinite mean).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from orchestration.clv import (
    BgNbdParams,
    GammaGammaParams,
    customer_lifetime_value,
    expected_order_value,
    expected_purchases,
    probability_alive,
)
from orchestration.frames import model_output, query_arrow

SCHEMA = pa.schema(
    [
        ("customer_key", pa.string()),
        ("probability_alive", pa.float64()),
        ("expected_purchases_90d", pa.float64()),
        ("expected_purchases_365d", pa.float64()),
        ("expected_order_value", pa.float64()),
        ("predicted_clv", pa.float64()),
    ]
)


def _params(fits: pa.Table) -> tuple[BgNbdParams | None, GammaGammaParams | None]:
    bgnbd = gamma_gamma = None
    for row in fits.to_pylist():
        if row["model"] == "bgnbd" and row["r"] is not None:
            bgnbd = BgNbdParams(r=row["r"], alpha=row["alpha"], a=row["a"], b=row["b"])
        # q <= 1: the Gamma-Gamma mean is infinite, no usable order value
        if row["model"] == "gamma_gamma" and row["p"] is not None and row["q"] > 1:
            gamma_gamma = GammaGammaParams(p=row["p"], q=row["q"], gamma=row["gamma"])
    return bgnbd, gamma_gamma


def model(dbt, session):  # noqa: ANN001, ANN201 - dbt's Python model signature
    dbt.config(materialized="table")
    horizon_months = int(dbt.config.get("clv_horizon_months"))
    discount = float(dbt.config.get("clv_monthly_discount_rate"))
    fits = query_arrow(dbt.ref("int_customers__clv_fits"), "fits", "select * from fits")
    customers = query_arrow(
        dbt.ref("int_customers__clv_summaries"),
        "summaries",
        "select customer_key, cast(x as double) as x, cast(t_x as double) as t_x, "
        "cast(age_t as double) as age_t, cast(coalesce(m, 0) as double) as m "
        "from summaries order by customer_key",
    )
    bgnbd, gamma_gamma = _params(fits)
    x, t_x, age_t, m = (
        customers.column(name).to_numpy(zero_copy_only=False) for name in ("x", "t_x", "age_t", "m")
    )
    n = x.size
    missing = np.full(n, np.nan)
    alive = purchases_90 = purchases_365 = order_value = clv = missing
    if bgnbd is not None and n:
        alive = probability_alive(bgnbd, x, t_x, age_t)
        purchases_90 = expected_purchases(bgnbd, 90.0, x, t_x, age_t)
        purchases_365 = expected_purchases(bgnbd, 365.0, x, t_x, age_t)
    if gamma_gamma is not None and n:
        order_value = expected_order_value(gamma_gamma, x, m)
    if bgnbd is not None and gamma_gamma is not None and n:
        clv = customer_lifetime_value(
            bgnbd,
            gamma_gamma,
            x,
            t_x,
            age_t,
            m,
            horizon_months=horizon_months,
            monthly_discount_rate=discount,
            time_unit_days=1.0,
        )

    def column(values: np.ndarray) -> pa.Array:
        values = np.asarray(values, dtype=np.float64)
        return pa.array(values, pa.float64(), mask=np.isnan(values))

    return model_output(
        pa.table(
            {
                "customer_key": customers.column("customer_key"),
                "probability_alive": column(alive),
                "expected_purchases_90d": column(purchases_90),
                "expected_purchases_365d": column(purchases_365),
                "expected_order_value": column(order_value),
                "predicted_clv": column(clv),
            },
            schema=SCHEMA,
        ),
        session,
    )
