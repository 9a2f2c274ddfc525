{#- One row per order from every shop system (Shopify and the generic order-lines CSV), with the
    money columns in the order currency and in the reporting currency. -#}

with

shopify_orders as (

    select
        'shopify' as order_source,
        order_id,
        order_number,
        email,
        created_at as ordered_at,
        currency,
        financial_status as order_status,
        is_cancelled,
        subtotal + discount_amount as gross_sales,
        discount_amount as discounts,
        shipping,
        taxes,
        total as gross_revenue,
        refunded_amount as refunds,
        line_count,
        item_quantity
    from {{ ref('stg_shopify__orders') }}

),

generic_lines as (

    select * from {{ ref('stg_generic_orders__order_lines') }}

),

generic_orders as (

    -- Negative-quantity or cancelled lines cancel what the order's positive lines sold.
    select
        'generic' as order_source,
        order_id,
        order_id as order_number,
        max(email) as email,
        min(ordered_at) as ordered_at,
        max(currency) as currency,
        case
            when sum(case when is_cancelled then 0 else line_amount end)
                <= sum(case when is_cancelled then abs(line_amount) else 0 end)
                then 'cancelled'
            when max(case when is_cancelled then 1 else 0 end) = 1 then 'partially_cancelled'
            else 'completed'
        end as order_status,
        sum(case when is_cancelled then 0 else line_amount end)
            <= sum(case when is_cancelled then abs(line_amount) else 0 end) as is_cancelled,
        sum(case when is_cancelled then 0 else line_amount end) as gross_sales,
        cast(0 as {{ dbt.type_numeric() }}) as discounts,
        cast(0 as {{ dbt.type_numeric() }}) as shipping,
        cast(0 as {{ dbt.type_numeric() }}) as taxes,
        sum(case when is_cancelled then 0 else line_amount end) as gross_revenue,
        sum(case when is_cancelled then abs(line_amount) else 0 end) as refunds,
        count(*) as line_count,
        sum(case when is_cancelled then 0 else quantity end) as item_quantity
    from generic_lines
    group by order_id

),

unioned as (

    select * from shopify_orders
    union all
    select * from generic_orders

),

rates as (

    select
        currency,
        rate,
        valid_from,
        lead(valid_from) over (partition by currency order by valid_from) as valid_until
    from {{ ref('currency_rates') }}

),

converted as (

    select
        unioned.*,
        {{ journey.surrogate_key(['unioned.order_source', 'unioned.order_id']) }} as order_key,
        cast({{ journey.utc_to_local('unioned.ordered_at', var('reporting_timezone')) }} as date)
            as order_date,
        coalesce(unioned.currency, '{{ var("reporting_currency") }}') as order_currency,
        rates.rate as exchange_rate
    from unioned
    left join rates
        on coalesce(unioned.currency, '{{ var("reporting_currency") }}') = rates.currency
        and cast({{ journey.utc_to_local('unioned.ordered_at', var('reporting_timezone')) }} as date)
            >= rates.valid_from
        and (
            rates.valid_until is null
            or cast({{ journey.utc_to_local('unioned.ordered_at', var('reporting_timezone')) }} as date)
                < rates.valid_until
        )

)

select
    order_key,
    order_source,
    order_id,
    order_number,
    email,
    ordered_at,
    order_date,
    order_currency,
    exchange_rate,
    order_status,
    is_cancelled,
    gross_sales,
    discounts,
    shipping,
    taxes,
    gross_revenue,
    refunds,
    case when is_cancelled then 0 else gross_revenue - refunds end as net_revenue,
    line_count,
    item_quantity
from converted
