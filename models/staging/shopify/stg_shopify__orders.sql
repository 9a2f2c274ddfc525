{#- One row per Shopify order (Name). Order-level columns come from the order's first CSV row (the other
    rows of the order carry only line items); line counts from all its rows. An order delivered in
    several export files is read from the latest file (by name) that contains it. -#}

with

source as (

    select * from {{ source('shopify', 'shopify_orders') }}

),

latest_delivery as (

    {{ journey.latest_file_rows('source', 'name') }}

),

first_rows as (

    -- The order's first row holds its order-level columns.
    select *
    from (
        select
            *,
            cast(row_number() over (partition by trim(name) order by _source_row) as bigint) as row_in_order
        from latest_delivery
    ) as ranked
    where row_in_order = 1

),

line_totals as (

    select
        trim(name) as order_id,
        count(*) as line_count,
        cast(sum(lineitem_quantity) as bigint) as item_quantity
    from latest_delivery
    group by trim(name)

),

renamed as (

    select
        trim(first_rows.name) as order_id,
        trim(first_rows.name) as order_name,
        {{ journey.clean_string("replace(trim(first_rows.name), '#', '')") }} as order_number,
        first_rows.id as shopify_order_id,
        {{ journey.normalize_email('first_rows.email') }} as email,
        {{ journey.clean_label('first_rows.financial_status') }} as financial_status,
        {{ journey.clean_label('first_rows.fulfillment_status') }} as fulfillment_status,
        first_rows.accepts_marketing,
        upper(trim(first_rows.currency)) as currency,
        first_rows.subtotal,
        coalesce(first_rows.shipping, 0) as shipping,
        coalesce(first_rows.taxes, 0) as taxes,
        first_rows.total,
        {{ journey.clean_string('first_rows.discount_code') }} as discount_code,
        coalesce(first_rows.discount_amount, 0) as discount_amount,
        coalesce(first_rows.refunded_amount, 0) as refunded_amount,
        first_rows.created_at,
        first_rows.paid_at,
        first_rows.fulfilled_at,
        first_rows.cancelled_at,
        first_rows.cancelled_at is not null as is_cancelled,
        upper(trim(first_rows.billing_country)) as billing_country,
        upper(trim(first_rows.shipping_country)) as shipping_country,
        {{ journey.clean_string('first_rows.shipping_method') }} as shipping_method,
        {{ journey.clean_string('first_rows.payment_method') }} as payment_method,
        {{ journey.clean_label('first_rows.source') }} as source,
        {{ journey.clean_string('first_rows.tags') }} as tags,
        line_totals.line_count,
        line_totals.item_quantity,
        first_rows._source_file,
        first_rows._source_row
    from first_rows
    inner join line_totals
        on trim(first_rows.name) = line_totals.order_id

)

select * from renamed
