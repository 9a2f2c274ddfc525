{#- One row per order (Shopify and generic shop systems): money in the order currency and the
    reporting currency, the customer, the customer's order sequence and the GA session that bought. -#}

with

orders as (

    select * from {{ ref('int_orders__orders') }}

),

identifiers as (

    select identifier_type, identifier_value, customer_key
    from {{ ref('int_identity__identifiers') }}
    where identifier_type in ('order', 'email')

),

purchases as (

    select transaction_id, session_key
    from {{ ref('int_ga4__purchases') }}

),

orders_with_customer as (

    select
        orders.*,
        coalesce(by_order.customer_key, by_email.customer_key) as customer_key,
        coalesce(by_name.session_key, by_number.session_key) as session_key
    from orders
    left join identifiers as by_order
        on by_order.identifier_type = 'order'
        and by_order.identifier_value = orders.order_id
    left join identifiers as by_email
        on by_email.identifier_type = 'email'
        and by_email.identifier_value = orders.email
    left join purchases as by_name
        on orders.order_source = 'shopify'
        and by_name.transaction_id = orders.order_id
    left join purchases as by_number
        on orders.order_source = 'shopify'
        and by_number.transaction_id = orders.order_number
        and by_name.transaction_id is null

),

sequenced as (

    select
        *,
        case
            when not is_cancelled and customer_key is not null then cast(row_number() over (
                partition by customer_key, is_cancelled
                order by ordered_at, order_key
            ) as bigint)
        end as customer_order_number
    from orders_with_customer

)

select
    order_key,
    order_source,
    order_id,
    customer_key,
    session_key,
    ordered_at,
    order_date,
    order_status,
    is_cancelled,
    customer_order_number,
    coalesce(customer_order_number = 1, false) as is_first_order,
    order_currency,
    cast(exchange_rate as decimal(18, 8)) as exchange_rate,
    cast(gross_sales as decimal(18, 4)) as gross_sales,
    cast(discounts as decimal(18, 4)) as discounts,
    cast(shipping as decimal(18, 4)) as shipping,
    cast(taxes as decimal(18, 4)) as taxes,
    cast(gross_revenue as decimal(18, 4)) as gross_revenue,
    cast(refunds as decimal(18, 4)) as refunds,
    cast(net_revenue as decimal(18, 4)) as net_revenue,
    cast(round(gross_revenue * exchange_rate, 2) as decimal(18, 2)) as gross_revenue_reporting,
    cast(round(discounts * exchange_rate, 2) as decimal(18, 2)) as discounts_reporting,
    cast(round(refunds * exchange_rate, 2) as decimal(18, 2)) as refunds_reporting,
    cast(round(net_revenue * exchange_rate, 2) as decimal(18, 2)) as net_revenue_reporting,
    cast(line_count as bigint) as line_count,
    cast(item_quantity as bigint) as item_quantity
from sequenced
