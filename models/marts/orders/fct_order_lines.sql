{#- One row per order line of every shop system, with its order's customer and currency. -#}

with

shopify_lines as (

    select
        'shopify' as order_source,
        order_id,
        order_line_id,
        line_number,
        product_name,
        sku,
        quantity,
        price as unit_price,
        line_amount,
        coalesce(line_discount, 0) as line_discount,
        net_line_amount,
        false as is_cancellation
    from {{ ref('stg_shopify__order_lines') }}

),

generic_lines as (

    select
        'generic' as order_source,
        order_id,
        order_line_id,
        line_number,
        product as product_name,
        cast(null as {{ dbt.type_string() }}) as sku,
        quantity,
        unit_price,
        line_amount,
        0 as line_discount,
        line_amount as net_line_amount,
        is_cancelled as is_cancellation
    from {{ ref('stg_generic_orders__order_lines') }}

),

lines as (

    select * from shopify_lines
    union all
    select * from generic_lines

),

orders as (

    select order_key, order_source, order_id, customer_key, ordered_at, order_date,
        order_currency, exchange_rate, is_cancelled
    from {{ ref('fct_orders') }}

)

select
    {{ journey.surrogate_key(['lines.order_source', 'lines.order_line_id']) }} as order_line_key,
    orders.order_key,
    lines.order_source,
    lines.order_id,
    cast(lines.line_number as bigint) as line_number,
    orders.customer_key,
    orders.ordered_at,
    orders.order_date,
    lines.product_name,
    lines.sku,
    cast(lines.quantity as bigint) as quantity,
    cast(lines.unit_price as decimal(18, 4)) as unit_price,
    cast(lines.line_amount as decimal(18, 4)) as line_amount,
    cast(lines.line_discount as decimal(18, 4)) as line_discount,
    cast(lines.net_line_amount as decimal(18, 4)) as net_line_amount,
    orders.order_currency,
    cast(round(lines.net_line_amount * orders.exchange_rate, 2) as decimal(18, 2))
        as net_line_amount_reporting,
    lines.is_cancellation,
    orders.is_cancelled as is_order_cancelled
from lines
inner join orders
    on lines.order_source = orders.order_source
    and lines.order_id = orders.order_id
