{#- Holdout check of the CLV models (var clv_holdout_days; no rows when it is null): the same
    summaries as int_customers__clv_summaries, computed at the calibration end = observation end -
    clv_holdout_days, for the customers whose first purchase day is on or before it, and the repeat
    purchase days and their value each of them actually had in the holdout (calibration end,
    observation end]. int_customers__clv_fits fits on the calibration summaries and compares its
    predictions with these actuals. -#}

{%- set holdout_days = journey.clv_holdout_days() %}

with

purchase_days as (

    select
        customer_key,
        purchase_date,
        {{ journey.clv_monetary_value() }} as purchase_value
    from {{ ref('int_customers__purchase_days') }}

),

observation as (

    select {{ journey.clv_observation_end_date() }} as observation_end_date

),

calibration as (

    select
        cast({{ dbt.dateadd('day', -(holdout_days or 0), 'observation_end_date') }} as date)
            as observation_end_date
    from observation

),

calibration_summaries as (

    {{ journey.clv_summaries('purchase_days', 'calibration') }}

),

holdout_purchases as (

    select
        purchase_days.customer_key,
        count(*) as holdout_purchase_days,
        sum(purchase_days.purchase_value) as holdout_value
    from purchase_days
    cross join calibration
    cross join observation
    where purchase_days.purchase_date > calibration.observation_end_date
        and purchase_days.purchase_date <= observation.observation_end_date
    group by purchase_days.customer_key

)

select
    calibration_summaries.customer_key,
    calibration_summaries.observation_end_date as calibration_end_date,
    observation.observation_end_date,
    cast({{ holdout_days or 0 }} as bigint) as holdout_days,
    cast(calibration_summaries.x as bigint) as x,
    cast(calibration_summaries.t_x as bigint) as t_x,
    cast(calibration_summaries.age_t as bigint) as age_t,
    cast(calibration_summaries.m as {{ journey.attribution_type_double() }}) as m,
    cast(coalesce(holdout_purchases.holdout_purchase_days, 0) as bigint) as holdout_purchase_days,
    cast(coalesce(holdout_purchases.holdout_value, 0) as {{ journey.attribution_type_double() }}) as holdout_value
from calibration_summaries
cross join observation
left join holdout_purchases
    on holdout_purchases.customer_key = calibration_summaries.customer_key
{%- if holdout_days is none %}
where 1 = 0
{%- endif %}
