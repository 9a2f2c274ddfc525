{{ config(materialized='table') }}

{#- Top channel paths to conversion and to non-conversion (SPEC 5): one row per (channel path,
    path_type). A journey's path is its channels in touch order joined with ' > ', capped at the last
    var conversion_path_max_touches (default 10) touches with a '... > ' prefix when cut; a conversion
    without touchpoints has the path '(no touchpoints)'. Converting journeys come from
    int_journey__conversion_paths (one per conversion), non-converting ones from
    int_journey__non_converting_paths (one per customer). -#}

{%- set max_touches = var('conversion_path_max_touches', 10) | int -%}
{%- if max_touches < 1 -%}
    {{ exceptions.raise_compiler_error("var conversion_path_max_touches must be at least 1") }}
{%- endif -%}

with

converting as (

    select
        conversion_id as journey_id,
        'converting' as path_type,
        max(touch_count) as touch_count,
        {{ journey.ordered_string_agg(
            "case when touch_position > touch_count - " ~ max_touches ~ " then channel end",
            "' > '",
            "touch_position"
        ) }} as channels,
        max(revenue) as revenue,
        {{ journey.days_between('min(occurred_at)', 'max(converted_at)') }} as days_to_convert
    from {{ ref('int_journey__conversion_paths') }}
    group by conversion_id

),

non_converting as (

    select
        customer_key as journey_id,
        'non_converting' as path_type,
        max(touch_count) as touch_count,
        {{ journey.ordered_string_agg(
            "case when touch_position > touch_count - " ~ max_touches ~ " then channel end",
            "' > '",
            "touch_position"
        ) }} as channels,
        cast(0 as decimal(18, 2)) as revenue,
        cast(null as double) as days_to_convert
    from {{ ref('int_journey__non_converting_paths') }}
    group by customer_key

),

journeys as (

    select * from converting
    union all
    select * from non_converting

),

journey_paths as (

    select
        path_type,
        case
            when touch_count = 0 then '(no touchpoints)'
            when touch_count > {{ max_touches }} then {{ dbt.concat(["'... > '", 'channels']) }}
            else channels
        end as conversion_path,
        case when touch_count > {{ max_touches }} then {{ max_touches }} else touch_count end as path_length,
        touch_count > {{ max_touches }} as is_truncated,
        revenue,
        days_to_convert
    from journeys

),

by_path as (

    select
        conversion_path,
        path_type,
        max(path_length) as path_length,
        max(case when is_truncated then 1 else 0 end) = 1 as is_truncated,
        count(*) as journeys,
        sum(case when path_type = 'converting' then 1 else 0 end) as conversions,
        sum(revenue) as revenue,
        {{ journey.median('days_to_convert') }} as median_days_to_convert
    from journey_paths
    group by conversion_path, path_type

),

final as (

    select
        {{ journey.surrogate_key(['conversion_path', 'path_type']) }} as conversion_path_key,
        conversion_path,
        path_type,
        cast(path_length as bigint) as path_length,
        is_truncated,
        cast(journeys as bigint) as journeys,
        cast(conversions as bigint) as conversions,
        cast(
            cast(sum(conversions) over (partition by conversion_path) as double)
            / sum(journeys) over (partition by conversion_path)
            as double
        ) as conversion_rate,
        cast(revenue as decimal(18, 2)) as revenue,
        cast(median_days_to_convert as double) as median_days_to_convert
    from by_path

)

select * from final
