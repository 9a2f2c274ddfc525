{#- Acquisition-cohort retention (SPEC 8): one row per cohort grain (var cohort_grains, default month
    and week) x first-touch channel ('All' = every channel) x cohort x period number. A customer's
    cohort is the period of their first non-cancelled order (order_date, reporting time zone);
    period n = grain periods since the cohort's start. Every period from 0 up to the period of the
    last order date in fct_orders has a row, 0 active when nobody of the cohort bought in it. Net
    revenue in the reporting currency after refunds (attributed to the order's period, fct_orders
    has no refund date); cancelled orders neither count nor make a customer. -#}

{%- set grains = journey.cohort_grains() %}

with

orders as (

    select
        customer_key,
        order_date,
        net_revenue_reporting as net_revenue
    from {{ ref('fct_orders') }}
    where not is_cancelled
        and customer_key is not null

),

data_end as (

    select max(order_date) as data_end_date
    from {{ ref('fct_orders') }}

),

customers as (

    select
        customer_key,
        min(order_date) as first_order_date
    from orders
    group by customer_key

),

acquisition_channels as (

    select customer_key, first_touch_channel
    from {{ ref('int_customers__acquisitions') }}

),

-- Every customer twice: under their first-touch channel and under 'All'.
customer_channels as (

    select
        customers.customer_key,
        customers.first_order_date,
        coalesce(acquisition_channels.first_touch_channel, '(no touchpoints)') as first_touch_channel
    from customers
    left join acquisition_channels
        on acquisition_channels.customer_key = customers.customer_key

    union all

    select
        customer_key,
        first_order_date,
        'All' as first_touch_channel
    from customers

),

customer_cohorts as (

    {%- for grain in grains %}
    select
        '{{ grain }}' as cohort_grain,
        customer_key,
        first_touch_channel,
        cast({{ dbt.date_trunc(grain, 'first_order_date') }} as date) as cohort_start_date
    from customer_channels
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

customer_activity as (

    {%- for grain in grains %}
    select
        '{{ grain }}' as cohort_grain,
        customer_key,
        cast({{ dbt.date_trunc(grain, 'order_date') }} as date) as period_start_date,
        count(*) as orders,
        sum(net_revenue) as net_revenue
    from orders
    group by customer_key, cast({{ dbt.date_trunc(grain, 'order_date') }} as date)
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

cohort_sizes as (

    select
        cohort_grain,
        first_touch_channel,
        cohort_start_date,
        count(*) as cohort_size
    from customer_cohorts
    group by cohort_grain, first_touch_channel, cohort_start_date

),

cohort_activity as (

    select
        customer_cohorts.cohort_grain,
        customer_cohorts.first_touch_channel,
        customer_cohorts.cohort_start_date,
        customer_activity.period_start_date,
        count(*) as active_customers,
        sum(customer_activity.orders) as orders,
        sum(customer_activity.net_revenue) as net_revenue
    from customer_cohorts
    inner join customer_activity
        on customer_activity.cohort_grain = customer_cohorts.cohort_grain
        and customer_activity.customer_key = customer_cohorts.customer_key
    group by
        customer_cohorts.cohort_grain,
        customer_cohorts.first_touch_channel,
        customer_cohorts.cohort_start_date,
        customer_activity.period_start_date

),

period_numbers as (

    {{ journey.integer_series('period_number') }}

),

-- Periods 0 .. the period holding the last order date, per cohort.
cohort_periods as (

    {%- for grain in grains %}
    select
        cohort_sizes.cohort_grain,
        cohort_sizes.first_touch_channel,
        cohort_sizes.cohort_start_date,
        cohort_sizes.cohort_size,
        period_numbers.period_number,
        cast({{ dbt.dateadd(grain, 'period_numbers.period_number', 'cohort_sizes.cohort_start_date') }} as date)
            as period_start_date,
        cast({{ dbt.dateadd(grain, 'period_numbers.period_number + 1', 'cohort_sizes.cohort_start_date') }} as date)
            as next_period_start_date,
        data_end.data_end_date
    from cohort_sizes
    cross join data_end
    inner join period_numbers
        on period_numbers.period_number <= {{ dbt.datediff(
            'cohort_sizes.cohort_start_date',
            'cast(' ~ dbt.date_trunc(grain, 'data_end.data_end_date') ~ ' as date)',
            grain) }}
    where cohort_sizes.cohort_grain = '{{ grain }}'
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

retention as (

    select
        cohort_periods.cohort_grain,
        cohort_periods.first_touch_channel,
        cohort_periods.cohort_start_date,
        cohort_periods.period_number,
        cohort_periods.period_start_date,
        cohort_periods.next_period_start_date
            <= {{ dbt.dateadd('day', 1, 'cohort_periods.data_end_date') }} as is_period_complete,
        cohort_periods.cohort_size,
        coalesce(cohort_activity.active_customers, 0) as active_customers,
        coalesce(cohort_activity.orders, 0) as orders,
        coalesce(cohort_activity.net_revenue, 0) as net_revenue
    from cohort_periods
    left join cohort_activity
        on cohort_activity.cohort_grain = cohort_periods.cohort_grain
        and cohort_activity.first_touch_channel = cohort_periods.first_touch_channel
        and cohort_activity.cohort_start_date = cohort_periods.cohort_start_date
        and cohort_activity.period_start_date = cohort_periods.period_start_date

),

cumulated as (

    select
        *,
        sum(net_revenue) over (
            partition by cohort_grain, first_touch_channel, cohort_start_date
            order by period_number
            rows between unbounded preceding and current row
        ) as cumulative_net_revenue
    from retention

)

select
    {{ journey.surrogate_key(['cohort_grain', 'first_touch_channel', 'cohort_start_date', 'period_number']) }}
        as cohort_period_key,
    cohort_grain,
    first_touch_channel,
    cohort_start_date,
    cast(period_number as bigint) as period_number,
    period_start_date,
    is_period_complete,
    cast(cohort_size as bigint) as cohort_size,
    cast(active_customers as bigint) as active_customers,
    cast(active_customers as {{ journey.attribution_type_double() }}) / cohort_size as retention_rate,
    cast(orders as bigint) as orders,
    cast(net_revenue as decimal(18, 2)) as net_revenue,
    cast(cumulative_net_revenue as decimal(18, 2)) as cumulative_net_revenue,
    cast(round(cumulative_net_revenue / cohort_size, 2) as decimal(18, 2))
        as cumulative_net_revenue_per_customer
from cumulated
