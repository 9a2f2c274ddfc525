{#- One row per journey for the data-driven models: every path-eligible conversion (its touches in
    the lookback, `int_journey__conversion_paths`) and every journey that ended without conversion
    (`int_journey__non_converting_paths`), with its ordered channel path and sorted channel set.
    A conversion without touchpoints is a Direct journey (SPEC 7: nothing is lost). -#}

with

conversion_touches as (

    select
        conversion_id as journey_id,
        coalesce(channel, 'Direct') as channel,
        coalesce(touch_position, 1) as touch_position,
        revenue
    from {{ ref('int_journey__conversion_paths') }}

),

non_conversion_touches as (

    select
        customer_key as journey_id,
        channel,
        touch_position,
        cast(0 as {{ journey.attribution_type_double() }}) as revenue
    from {{ ref('int_journey__non_converting_paths') }}
    where touchpoint_id is not null

),

touches as (

    select journey_id, channel, touch_position, revenue, 1 as conversions
    from conversion_touches
    union all
    select journey_id, channel, touch_position, revenue, 0 as conversions
    from non_conversion_touches

),

paths as (

    select
        journey_id,
        max(conversions) as conversions,
        max(revenue) as revenue,
        {{ journey.ordered_string_agg('channel', "' > '", 'touch_position') }} as channel_path
    from touches
    group by journey_id

),

channel_sets as (

    select
        journey_id,
        {{ journey.ordered_string_agg('channel', "' + '", 'channel') }} as channel_set
    from (select distinct journey_id, channel from touches) as distinct_channels
    group by journey_id

)

select
    paths.journey_id,
    paths.conversions,
    cast(paths.revenue as {{ journey.attribution_type_double() }}) as revenue,
    paths.channel_path,
    channel_sets.channel_set
from paths
inner join channel_sets
    on paths.journey_id = channel_sets.journey_id
