{#- One row per Shopify order line item, numbered within its order by CSV row. An order delivered in
    several export files is read from the latest file (by name) that contains it. -#}

with

source as (

    select * from {{ source('shopify', 'shopify_orders') }}

),

latest_delivery as (

    {{ journey.latest_file_rows('source', 'name') }}

),

numbered as (

    select
        trim(name) as order_id,
        cast(row_number() over (partition by trim(name) order by _source_row) as bigint) as line_number,
        lineitem_name,
        lineitem_sku,
        lineitem_quantity,
        lineitem_price,
        lineitem_compare_at_price,
        lineitem_discount,
        _source_file,
        _source_row
    from latest_delivery

),

final as (

    select
        {{ dbt.concat(['order_id', "'-'", "cast(line_number as " ~ dbt.type_string() ~ ")"]) }} as order_line_id,
        order_id,
        line_number,
        {{ journey.clean_string('lineitem_name') }} as product_name,
        {{ journey.clean_string('lineitem_sku') }} as sku,
        lineitem_quantity as quantity,
        lineitem_price as price,
        lineitem_compare_at_price as compare_at_price,
        cast(lineitem_price * lineitem_quantity as decimal(18, 4)) as line_amount,
        coalesce(lineitem_discount, 0) as line_discount,
        cast(lineitem_price * lineitem_quantity - coalesce(lineitem_discount, 0) as decimal(18, 4)) as net_line_amount,
        _source_file,
        _source_row
    from numbered

)

select * from final
