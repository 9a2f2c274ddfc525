{#- One row per customer with at least one non-cancelled order (SPEC 8): the first order and the
    acquisition channel = the channel of the customer's first touchpoint (fct_touchpoints, not
    is_duplicate_touch) at or before that first order; '(no touchpoints)' when no touch precedes it
    (an order without consented web data, a marketplace order). Orders without a resolved customer
    (fct_orders.customer_key null) make no customer. -#}

with

first_orders as (

    select
        customer_key,
        order_key as first_order_key,
        ordered_at as first_ordered_at,
        order_date as first_order_date
    from {{ ref('fct_orders') }}
    where not is_cancelled
        and customer_key is not null
        and customer_order_number = 1

),

touches as (

    select touchpoint_id, customer_key, occurred_at, channel
    from {{ ref('fct_touchpoints') }}
    where not is_duplicate_touch

),

touches_before_first_order as (

    select
        first_orders.customer_key,
        touches.occurred_at,
        touches.channel,
        cast(row_number() over (
            partition by first_orders.customer_key
            order by touches.occurred_at, touches.touchpoint_id
        ) as bigint) as touch_number
    from first_orders
    inner join touches
        on touches.customer_key = first_orders.customer_key
        and touches.occurred_at <= first_orders.first_ordered_at

)

select
    first_orders.customer_key,
    first_orders.first_order_key,
    first_orders.first_ordered_at,
    first_orders.first_order_date,
    first_touches.occurred_at as first_touch_at,
    coalesce(first_touches.channel, '(no touchpoints)') as first_touch_channel
from first_orders
left join touches_before_first_order as first_touches
    on first_touches.customer_key = first_orders.customer_key
    and first_touches.touch_number = 1
