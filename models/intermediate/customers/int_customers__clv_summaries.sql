{#- BG/NBD and Gamma-Gamma summaries per customer (SPEC 9), time unit days, as of the observation
    end (var clv_observation_end, default the last order date in fct_orders): x = distinct purchase
    days - 1 (same-day orders merged), t_x = days from the first to the last purchase day, age_t (T)
    = days from the first purchase day to the observation end, m = mean value (var
    clv_monetary_value, default net revenue in the reporting currency) of the repeat purchase days.
    Purchase days after the observation end are ignored; a customer whose first purchase is later
    has no row. -#}

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

summaries as (

    {{ journey.clv_summaries('purchase_days', 'observation') }}

)

select
    customer_key,
    first_purchase_date,
    last_purchase_date,
    observation_end_date,
    cast(purchase_days as bigint) as purchase_days,
    cast(x as bigint) as x,
    cast(t_x as bigint) as t_x,
    cast(age_t as bigint) as age_t,
    cast(m as {{ journey.attribution_type_double() }}) as m
from summaries
