{#- One row per customer and purchase day (order_date, reporting time zone) with at least one
    non-cancelled order: same-day orders merged, as the CLV models count purchases (SPEC 9). Net
    revenue in the reporting currency: refunds already subtracted (fct_orders.net_revenue_reporting),
    so a fully refunded order is a purchase day worth 0. Orders without a resolved customer are left
    out. -#}

select
    customer_key,
    order_date as purchase_date,
    count(*) as orders,
    sum(net_revenue_reporting) as net_revenue,
    sum(gross_revenue_reporting) as gross_revenue,
    min(ordered_at) as first_ordered_at,
    max(ordered_at) as last_ordered_at
from {{ ref('fct_orders') }}
where not is_cancelled
    and customer_key is not null
group by customer_key, order_date
