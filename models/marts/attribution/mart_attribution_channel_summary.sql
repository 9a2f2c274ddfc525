{#- Per attribution model and channel, over every attributed conversion: how many journeys the
    channel reached, the conversions and revenue the model credits to it, its share, and the credit
    per journey reached (effect per exposure, which removes the channel's volume from the
    comparison). Markov rows add the chain's removal effect (SPEC 7) and the conversions it loses per
    journey reached when the channel is removed: the Markov effect per exposure, free of the
    per-conversion renormalisation that fct_attribution's markov credits go through. -#}

with

conversion_reach as (

    select distinct
        conversion_id as journey_id,
        coalesce(channel, 'Direct') as channel,
        1 as converted
    from {{ ref('int_journey__conversion_paths') }}

),

non_conversion_reach as (

    select distinct
        customer_key as journey_id,
        channel,
        0 as converted
    from {{ ref('int_journey__non_converting_paths') }}
    where touchpoint_id is not null

),

reach as (

    select
        channel,
        count(*) as journeys_reached,
        sum(converted) as converting_journeys_reached
    from (
        select journey_id, channel, converted from conversion_reach
        union all
        select journey_id, channel, converted from non_conversion_reach
    ) as reached
    group by channel

),

conversion_totals as (

    select count(distinct conversion_id) as total_conversions
    from {{ ref('int_journey__conversion_paths') }}

),

attributed as (

    select
        model,
        channel,
        sum(credit) as attributed_conversions,
        sum(revenue_credit) as attributed_revenue
    from {{ ref('fct_attribution') }}
    group by model, channel

),

models as (

    select distinct model from attributed

),

effects as (

    select channel, markov_removal_effect
    from {{ ref('int_attribution__channel_effects') }}

),

final as (

    select
        models.model,
        reach.channel,
        reach.journeys_reached,
        reach.converting_journeys_reached,
        cast(reach.converting_journeys_reached as {{ journey.attribution_type_double() }})
            / reach.journeys_reached as journey_conversion_rate,
        coalesce(attributed.attributed_conversions, 0) as attributed_conversions,
        coalesce(attributed.attributed_revenue, 0) as attributed_revenue,
        coalesce(attributed.attributed_conversions, 0)
            / nullif(conversion_totals.total_conversions, 0) as conversion_share,
        coalesce(attributed.attributed_conversions, 0)
            / reach.journeys_reached as attributed_conversions_per_journey,
        case when models.model = 'markov' then effects.markov_removal_effect end
            as removal_effect,
        case
            when models.model = 'markov'
                then effects.markov_removal_effect * conversion_totals.total_conversions
                    / reach.journeys_reached
        end as removal_conversions_per_journey
    from models
    cross join reach
    cross join conversion_totals
    left join attributed
        on attributed.model = models.model
        and attributed.channel = reach.channel
    left join effects
        on effects.channel = reach.channel

)

select
    model,
    channel,
    cast(journeys_reached as bigint) as journeys_reached,
    cast(converting_journeys_reached as bigint) as converting_journeys_reached,
    cast(journey_conversion_rate as {{ journey.attribution_type_double() }})
        as journey_conversion_rate,
    cast(attributed_conversions as {{ journey.attribution_type_double() }})
        as attributed_conversions,
    cast(attributed_revenue as {{ journey.attribution_type_double() }}) as attributed_revenue,
    cast(conversion_share as {{ journey.attribution_type_double() }}) as conversion_share,
    cast(attributed_conversions_per_journey as {{ journey.attribution_type_double() }})
        as attributed_conversions_per_journey,
    cast(removal_effect as {{ journey.attribution_type_double() }}) as removal_effect,
    cast(removal_conversions_per_journey as {{ journey.attribution_type_double() }})
        as removal_conversions_per_journey
from final
