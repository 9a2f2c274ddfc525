{#- Per conversion day (reporting time zone), attribution model, channel and campaign: attributed
    conversions and revenue, with the campaign's marketing cost that day where spend data exists
    (stg_spend__daily_costs, channel from GA4's rules on its source / medium / campaign), CPA and
    ROAS. Campaign labels are compared as GA4 reports them (trimmed, lower case); a touch without
    campaign is '(not set)', a conversion without touchpoints '(none)'. -#}

with

attributed as (

    select
        cast({{ journey.utc_to_local('converted_at', var('reporting_timezone')) }} as date)
            as conversion_date,
        model,
        channel,
        case
            when touchpoint_id is null then '(none)'
            else coalesce({{ journey.clean_label('campaign') }}, '(not set)')
        end as campaign,
        sum(credit) as attributed_conversions,
        sum(revenue_credit) as attributed_revenue
    from {{ ref('fct_attribution') }}
    group by 1, 2, 3, 4

),

spend as (

    select
        spend.spend_date,
        {{ journey.ga4_default_channel_group(
            'spend.source', 'spend.medium', 'spend.campaign', 'categories.source_category') }}
            as channel,
        spend.campaign,
        sum(spend.cost) as cost
    from {{ ref('stg_spend__daily_costs') }} as spend
    left join {{ ref('ga4_source_categories') }} as categories
        on lower(spend.source) = lower(categories.source)
    group by 1, 2, 3

),

spend_per_model as (

    -- Every model sees the campaign's whole cost, also on days it attributes nothing to it.
    select spend.spend_date, models.model, spend.channel, spend.campaign, spend.cost
    from spend
    cross join (select distinct model from attributed) as models

),

joined as (

    select
        coalesce(attributed.conversion_date, spend_per_model.spend_date) as conversion_date,
        coalesce(attributed.model, spend_per_model.model) as model,
        coalesce(attributed.channel, spend_per_model.channel) as channel,
        coalesce(attributed.campaign, spend_per_model.campaign) as campaign,
        coalesce(attributed.attributed_conversions, 0) as attributed_conversions,
        coalesce(attributed.attributed_revenue, 0) as attributed_revenue,
        spend_per_model.cost
    from attributed
    full outer join spend_per_model
        on attributed.conversion_date = spend_per_model.spend_date
        and attributed.model = spend_per_model.model
        and attributed.channel = spend_per_model.channel
        and attributed.campaign = spend_per_model.campaign

)

select
    joined.conversion_date,
    joined.model,
    joined.channel,
    joined.campaign,
    cast(joined.attributed_conversions as {{ journey.attribution_type_double() }})
        as attributed_conversions,
    cast(joined.attributed_revenue as {{ journey.attribution_type_double() }})
        as attributed_revenue,
    cast(joined.cost as {{ journey.attribution_type_double() }}) as cost,
    cast(joined.cost / nullif(joined.attributed_conversions, 0)
        as {{ journey.attribution_type_double() }}) as cpa,
    cast(joined.attributed_revenue / nullif(joined.cost, 0)
        as {{ journey.attribution_type_double() }}) as roas
from joined
