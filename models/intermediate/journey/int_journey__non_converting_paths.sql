{{ config(materialized='table') }}

{#- Non-converting paths (SPEC 5): one row per touchpoint of a journey that ended without a
    conversion. A customer's (or anonymous visitor's) non-converting journey is its touchpoints
    (non-duplicate, of the types in var path_touch_types) after its last path conversion (var
    path_conversion_kinds), or all of them when it has none. When every path conversion kind is
    one-time (var one_time_conversion_kinds, e.g. first orders only), a customer who converted has
    no non-converting journey: it cannot convert again. "Ended" = no further path conversion by the
    end of the data: a journey still active on the last day counts as non-converting
    (right-censored). At most one journey per customer. -#}

with

last_conversions as (

    select
        customer_key,
        max(converted_at) as last_converted_at
    from {{ ref('fct_conversions') }}
    where conversion_kind in {{ journey.path_conversion_kinds_sql() }}
    group by customer_key

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

journey_touches as (

    select
        t.customer_key,
        l.last_converted_at as previous_converted_at,
        t.touchpoint_id,
        t.occurred_at,
        t.channel,
        t.touch_type,
        t.campaign
    from touches as t
    left join last_conversions as l
        on l.customer_key = t.customer_key
    where l.last_converted_at is null
        {%- if not journey.path_conversions_are_one_time() %}
        or t.occurred_at > l.last_converted_at
        {%- endif %}

),

final as (

    select
        customer_key,
        previous_converted_at,
        touchpoint_id,
        occurred_at,
        channel,
        touch_type,
        campaign,
        cast(row_number() over (
            partition by customer_key order by occurred_at, touchpoint_id
        ) as bigint) as touch_position,
        count(*) over (partition by customer_key) as touch_count,
        max(occurred_at) over (partition by customer_key) as journey_ended_at
    from journey_touches

)

select * from final
