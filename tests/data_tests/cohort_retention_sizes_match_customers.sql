{#- SPEC 8: per cohort grain, the cohort sizes of the 'All' rows add up to the customers with a
    non-cancelled order in fct_orders, and the channel rows of each cohort add up to its 'All' row
    (sizes, active customers, orders). Returns the grains / cohort periods that do not. -#}

with

customers as (

    select count(distinct customer_key) as customers
    from {{ ref('fct_orders') }}
    where not is_cancelled
        and customer_key is not null

),

grain_totals as (

    select
        cohort_grain,
        sum(cohort_size) as cohort_sizes
    from {{ ref('mart_cohort_retention') }}
    where period_number = 0
        and first_touch_channel = 'All'
    group by cohort_grain

),

channel_sums as (

    select
        cohort_grain,
        cohort_start_date,
        period_number,
        sum(case when first_touch_channel = 'All' then cohort_size else 0 end) as all_size,
        sum(case when first_touch_channel <> 'All' then cohort_size else 0 end) as channel_size,
        sum(case when first_touch_channel = 'All' then active_customers else 0 end) as all_active,
        sum(case when first_touch_channel <> 'All' then active_customers else 0 end) as channel_active,
        sum(case when first_touch_channel = 'All' then orders else 0 end) as all_orders,
        sum(case when first_touch_channel <> 'All' then orders else 0 end) as channel_orders
    from {{ ref('mart_cohort_retention') }}
    group by cohort_grain, cohort_start_date, period_number

)

select
    grain_totals.cohort_grain,
    null as cohort_start_date,
    null as period_number,
    grain_totals.cohort_sizes as mart_value,
    customers.customers as expected_value
from grain_totals
cross join customers
where grain_totals.cohort_sizes <> customers.customers

union all

select
    cohort_grain,
    cohort_start_date,
    period_number,
    channel_size as mart_value,
    all_size as expected_value
from channel_sums
where channel_size <> all_size
    or channel_active <> all_active
    or channel_orders <> all_orders
