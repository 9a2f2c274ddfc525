{{ config(
    materialized='incremental',
    unique_key=['fit_date', 'model'],
    incremental_strategy=('insert_overwrite' if target.type == 'spark' else 'delete+insert'),
    partition_by=(['fit_date'] if target.type == 'spark' else none),
) }}
{#- Spark (README "Scaling out"): Parquet tables take no DELETE; a run replaces its fit_date partition
    (both models are fitted every run, so that is the same rows as delete+insert on the key). -#}

{#- CLV model fit report (SPEC 9), kept across runs: one row per fit date (the run's date in the
    reporting time zone) and model (bgnbd, gamma_gamma). Each run adds its rows; a second run on
    the same date replaces that date's rows. `dbt build --full-refresh` rebuilds it from the current
    run only (the history starts again). -#}

{%- set double = journey.attribution_type_double() %}

with

fits as (

    select * from {{ ref('int_customers__clv_fits') }}

),

dated as (

    select
        cast({{ journey.utc_to_local('fitted_at', var('reporting_timezone')) }} as date) as fit_date,
        *
    from fits

)

select
    {{ journey.surrogate_key(['fit_date', 'model']) }} as clv_model_fit_key,
    fit_date,
    model,
    time_unit,
    observation_end_date,
    cast(r as {{ double }}) as r,
    cast(alpha as {{ double }}) as alpha,
    cast(a as {{ double }}) as a,
    cast(b as {{ double }}) as b,
    cast(p as {{ double }}) as p,
    cast(q as {{ double }}) as q,
    cast(gamma as {{ double }}) as gamma,
    cast(log_likelihood as {{ double }}) as log_likelihood,
    cast(n_customers as bigint) as n_customers,
    converged,
    cast(fit_seconds as {{ double }}) as fit_seconds,
    cast(fitted_at as timestamp) as fitted_at,
    cast(holdout_days as bigint) as holdout_days,
    calibration_end_date,
    cast(holdout_customers as bigint) as holdout_customers,
    cast(holdout_actual as {{ double }}) as holdout_actual,
    cast(holdout_predicted as {{ double }}) as holdout_predicted,
    cast(holdout_mae as {{ double }}) as holdout_mae
from dated
