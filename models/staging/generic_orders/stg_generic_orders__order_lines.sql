{#- One row per generic order line, numbered within its order by CSV row. An order delivered in several
    export files is read from the latest file (by name) that contains it. -#}

with

source as (

    select * from {{ source('generic_orders', 'generic_order_lines') }}

),

latest_delivery as (

    {{ journey.latest_file_rows('source', 'order_id') }}

),

renamed as (

    select
        trim(order_id) as order_id,
        cast(row_number() over (partition by trim(order_id) order by _source_row) as bigint) as line_number,
        {{ journey.clean_string('customer_id') }} as customer_id,
        {{ journey.normalize_email('email') }} as email,
        ordered_at,
        {{ journey.clean_string('product') }} as product,
        quantity,
        unit_price,
        upper(trim(currency)) as currency,
        {{ journey.clean_label('status') }} as status,
        _source_file,
        _source_row
    from latest_delivery

),

final as (

    select
        {{ dbt.concat(['order_id', "'-'", "cast(line_number as " ~ dbt.type_string() ~ ")"]) }} as order_line_id,
        order_id,
        line_number,
        customer_id,
        email,
        ordered_at,
        product,
        quantity,
        unit_price,
        cast(quantity * unit_price as decimal(18, 4)) as line_amount,
        currency,
        status,
        coalesce(status like 'cancel%', false) or quantity < 0 as is_cancelled,
        _source_file,
        _source_row
    from renamed

)

select * from final
