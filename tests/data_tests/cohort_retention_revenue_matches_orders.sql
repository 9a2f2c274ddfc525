{#- SPEC 8: per cohort grain, net revenue over all cohorts and periods of the 'All' rows equals the
    net revenue (reporting currency) of the non-cancelled orders with a customer in fct_orders, and
    so do the channel rows. Returns the grains that do not (cent tolerance). -#}

with

orders as (

    select sum(net_revenue_reporting) as net_revenue
    from {{ ref('fct_orders') }}
    where not is_cancelled
        and customer_key is not null

),

grains as (

    select
        cohort_grain,
        sum(case when first_touch_channel = 'All' then net_revenue else 0 end) as all_net_revenue,
        sum(case when first_touch_channel <> 'All' then net_revenue else 0 end) as channel_net_revenue
    from {{ ref('mart_cohort_retention') }}
    group by cohort_grain

)

select
    grains.cohort_grain,
    grains.all_net_revenue,
    grains.channel_net_revenue,
    orders.net_revenue as expected_net_revenue
from grains
cross join orders
where abs(grains.all_net_revenue - coalesce(orders.net_revenue, 0)) > 0.005
    or abs(grains.channel_net_revenue - coalesce(orders.net_revenue, 0)) > 0.005
