{#- One row per conversion x touchpoint x attribution model (SPEC 7): the six rule-based models
    (int_attribution__rule_based) and the data-driven markov and shapley models, whose credit per
    channel of the conversion's channel set (int_attribution__data_driven_credits) is shared equally
    by that channel's touches in the path. Credits sum to 1 per conversion and model, revenue
    credits to the conversion's revenue; a conversion without touchpoints is credited to Direct. -#}

with

rule_based as (

    select
        conversion_id,
        customer_key,
        converted_at,
        model,
        touchpoint_id,
        channel,
        touch_position,
        credit,
        revenue_credit
    from {{ ref('int_attribution__rule_based') }}

),

touches as (

    select
        conversion_id,
        customer_key,
        converted_at,
        revenue,
        touchpoint_id,
        coalesce(channel, 'Direct') as channel,
        touch_position,
        count(*) over (partition by conversion_id, coalesce(channel, 'Direct')) as channel_touches
    from {{ ref('int_journey__conversion_paths') }}

),

converting_journeys as (

    select journey_id as conversion_id, channel_set
    from {{ ref('int_attribution__journeys') }}
    where conversions = 1

),

data_driven as (

    select
        touches.conversion_id,
        touches.customer_key,
        touches.converted_at,
        credits.model,
        touches.touchpoint_id,
        touches.channel,
        touches.touch_position,
        credits.credit / touches.channel_touches as credit,
        credits.credit / touches.channel_touches * touches.revenue as revenue_credit
    from touches
    inner join converting_journeys
        on touches.conversion_id = converting_journeys.conversion_id
    inner join {{ ref('int_attribution__data_driven_credits') }} as credits
        on credits.channel_set = converting_journeys.channel_set
        and credits.channel = touches.channel

),

unioned as (

    select * from rule_based
    union all
    select * from data_driven

),

touchpoints as (

    select touchpoint_id, touch_type, campaign
    from {{ ref('fct_touchpoints') }}

)

select
    unioned.conversion_id,
    unioned.customer_key,
    unioned.converted_at,
    unioned.model,
    unioned.touchpoint_id,
    unioned.channel,
    touchpoints.touch_type,
    touchpoints.campaign,
    cast(unioned.touch_position as bigint) as touch_position,
    cast(unioned.credit as {{ journey.attribution_type_double() }}) as credit,
    cast(unioned.revenue_credit as {{ journey.attribution_type_double() }}) as revenue_credit
from unioned
left join touchpoints
    on unioned.touchpoint_id = touchpoints.touchpoint_id
