{#- One row per day, source, medium and campaign (labels lower-cased and trimmed as GA4 reports them);
    rows repeating a combination are summed. -#}

with

source as (

    select * from {{ source('spend', 'marketing_spend') }}

),

renamed as (

    select
        {{ adapter.quote('date') }} as spend_date,
        coalesce({{ journey.clean_label('source') }}, '(not set)') as source,
        coalesce({{ journey.clean_label('medium') }}, '(not set)') as medium,
        coalesce({{ journey.clean_label('campaign') }}, '(not set)') as campaign,
        cost,
        upper(trim(currency)) as currency,
        impressions,
        clicks
    from source

),

aggregated as (

    select
        spend_date,
        source,
        medium,
        campaign,
        cast(sum(cost) as decimal(18, 4)) as cost,
        max(currency) as currency,
        count(distinct currency) as currency_count,
        cast(sum(impressions) as bigint) as impressions,
        cast(sum(clicks) as bigint) as clicks,
        count(*) as source_row_count
    from renamed
    group by spend_date, source, medium, campaign

),

final as (

    select
        {{ journey.surrogate_key(['spend_date', 'source', 'medium', 'campaign']) }} as daily_cost_id,
        spend_date,
        source,
        medium,
        campaign,
        cost,
        currency,
        currency_count,
        impressions,
        clicks,
        source_row_count
    from aggregated

)

select * from final
