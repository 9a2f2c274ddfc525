{{ config(materialized='table') }}

{#- Conversion paths (SPEC 5): one row per path conversion x touchpoint in its path; the input that
    attribution reuses. Path conversions: fct_conversions of the kinds in var path_conversion_kinds
    (default first_order, repeat_order). A path holds the customer's non-duplicate touchpoints with
        converted_at - conversion_lookback_days <= occurred_at <= converted_at
    and, when var path_reset_on_conversion (default true), occurred_at > the customer's previous path
    conversion (touches before an earlier order belong to that order). A conversion without any
    touchpoint keeps one row with null touchpoint columns and touch_count 0. -#}

{%- set lookback_days = var('conversion_lookback_days', 30) | int -%}
{%- set reset_on_conversion = var('path_reset_on_conversion', true) -%}

with

conversions as (

    select
        conversion_id,
        customer_key,
        converted_at,
        revenue
    from {{ ref('fct_conversions') }}
    where conversion_kind in {{ journey.path_conversion_kinds_sql() }}

),

conversions_with_previous as (

    select
        conversion_id,
        customer_key,
        converted_at,
        revenue,
        lag(converted_at) over (
            partition by customer_key order by converted_at, conversion_id
        ) as previous_converted_at
    from conversions

),

touches as (

    select
        touchpoint_id,
        customer_key,
        occurred_at,
        channel,
        touch_type,
        campaign
    from {{ ref('fct_touchpoints') }}
    where not is_duplicate_touch
        and touch_type in {{ journey.path_touch_types_sql() }}

),

path_touches as (

    select
        c.conversion_id,
        t.touchpoint_id,
        t.occurred_at,
        t.channel,
        t.touch_type,
        t.campaign
    from conversions_with_previous as c
    inner join touches as t
        on t.customer_key = c.customer_key
        and t.occurred_at <= c.converted_at
        and t.occurred_at >= {{ dbt.dateadd('day', -lookback_days, 'c.converted_at') }}
        {%- if reset_on_conversion %}
        and (c.previous_converted_at is null or t.occurred_at > c.previous_converted_at)
        {%- endif %}

),

joined as (

    select
        c.conversion_id,
        c.customer_key,
        c.converted_at,
        c.revenue,
        p.touchpoint_id,
        p.occurred_at,
        p.channel,
        p.touch_type,
        p.campaign
    from conversions_with_previous as c
    left join path_touches as p
        on p.conversion_id = c.conversion_id

),

final as (

    select
        conversion_id,
        customer_key,
        converted_at,
        revenue,
        touchpoint_id,
        occurred_at,
        channel,
        touch_type,
        campaign,
        case
            when touchpoint_id is not null
                then cast(row_number() over (
                    partition by conversion_id order by occurred_at, touchpoint_id
                ) as bigint)
        end as touch_position,
        count(touchpoint_id) over (partition by conversion_id) as touch_count,
        case
            when touchpoint_id is not null
                then {{ journey.days_between('occurred_at', 'converted_at') }}
        end as days_before_conversion
    from joined

)

select * from final
