{#- Satisfaction (issue 11): NPS per reporting period (var journey_map_period, reporting time zone,
    of the response), persona (dim_customer_personas), journey stage at response time and last
    touchpoint before the response (int_journey__nps_responses: the furthest stage reached strictly
    before the response; the latest non-duplicate touch at or before it, '(none)' without one).
    NPS in points: 100 x (promoters (9-10) - detractors (0-6)) / responses, from -100 to 100. Sum
    promoters, detractors and responses over rows before recomputing NPS for a larger group.

    Response rate: the CRM export holds responses only (email, submitted at, score), not who was
    surveyed, so the denominator is the customers who could have answered at that stage: customers
    with an email address (dim_customers.email_count > 0) who were in that stage at some time during
    the period (their stage spell overlaps the period). response_rate = stage_respondents /
    stage_customers, both per (period, persona, stage) and repeated on every touchpoint row of it.
    A response whose email the identity graph does not know counts under var default_persona and
    awareness, and not in the response rate. -#}

with

responses as (

    select
        nps_response_id,
        customer_key,
        period_start,
        nps_category,
        stage,
        stage_number,
        last_touch_channel,
        last_touch_type
    from {{ ref('int_journey__nps_responses') }}

),

personas as (

    select
        customer_key,
        persona
    from {{ ref('dim_customer_personas') }}

),

responses_with_persona as (

    select
        responses.*,
        coalesce(personas.persona, '{{ var("default_persona", "Browser") | replace("'", "''") }}') as persona
    from responses
    left join personas
        on responses.customer_key = personas.customer_key

),

response_counts as (

    select
        period_start,
        persona,
        stage,
        stage_number,
        last_touch_channel,
        last_touch_type,
        count(*) as responses,
        count(distinct customer_key) as respondents,
        sum(case when nps_category = 'promoter' then 1 else 0 end) as promoters,
        sum(case when nps_category = 'passive' then 1 else 0 end) as passives,
        sum(case when nps_category = 'detractor' then 1 else 0 end) as detractors
    from responses_with_persona
    group by 1, 2, 3, 4, 5, 6

),

stage_respondents as (

    select
        period_start,
        persona,
        stage,
        count(distinct customer_key) as stage_respondents
    from responses_with_persona
    group by 1, 2, 3

),

periods as (

    select distinct
        period_start,
        {{ journey.journey_period_add('period_start', 1) }} as period_end
    from responses

),

surveyable_spells as (

    select
        spells.customer_key,
        spells.stage,
        personas.persona,
        cast({{ journey.utc_to_local('spells.entered_at', var('reporting_timezone')) }} as timestamp) as entered_local,
        cast({{ journey.utc_to_local('spells.left_at', var('reporting_timezone')) }} as timestamp) as left_local
    from {{ ref('int_journey__stage_spells') }} as spells
    inner join {{ ref('dim_customers') }} as customers
        on spells.customer_key = customers.customer_key
    inner join personas
        on spells.customer_key = personas.customer_key
    where spells.is_occupied
        and customers.email_count > 0

),

stage_customers as (

    select
        periods.period_start,
        surveyable_spells.persona,
        surveyable_spells.stage,
        count(distinct surveyable_spells.customer_key) as stage_customers
    from periods
    inner join surveyable_spells
        on surveyable_spells.entered_local < cast(periods.period_end as timestamp)
        and (
            surveyable_spells.left_local is null
            or surveyable_spells.left_local >= cast(periods.period_start as timestamp)
        )
    group by 1, 2, 3

)

select
    cast(response_counts.period_start as date) as period_start,
    cast(response_counts.persona as {{ dbt.type_string() }}) as persona,
    cast(response_counts.stage as {{ dbt.type_string() }}) as stage,
    cast(response_counts.stage_number as {{ dbt.type_int() }}) as stage_number,
    cast(response_counts.last_touch_channel as {{ dbt.type_string() }}) as last_touch_channel,
    cast(response_counts.last_touch_type as {{ dbt.type_string() }}) as last_touch_type,
    cast(response_counts.responses as {{ dbt.type_bigint() }}) as responses,
    cast(response_counts.respondents as {{ dbt.type_bigint() }}) as respondents,
    cast(response_counts.promoters as {{ dbt.type_bigint() }}) as promoters,
    cast(response_counts.passives as {{ dbt.type_bigint() }}) as passives,
    cast(response_counts.detractors as {{ dbt.type_bigint() }}) as detractors,
    cast({{ journey.nps_points('response_counts.promoters', 'response_counts.detractors', 'response_counts.responses') }}
        as {{ journey.attribution_type_double() }}) as nps,
    cast(coalesce(stage_customers.stage_customers, 0) as {{ dbt.type_bigint() }}) as stage_customers,
    cast(stage_respondents.stage_respondents as {{ dbt.type_bigint() }}) as stage_respondents,
    cast(
        cast(stage_respondents.stage_respondents as {{ journey.attribution_type_double() }})
        / nullif(stage_customers.stage_customers, 0)
        as {{ journey.attribution_type_double() }}
    ) as response_rate
from response_counts
left join stage_respondents
    on response_counts.period_start = stage_respondents.period_start
    and response_counts.persona = stage_respondents.persona
    and response_counts.stage = stage_respondents.stage
left join stage_customers
    on response_counts.period_start = stage_customers.period_start
    and response_counts.persona = stage_customers.persona
    and response_counts.stage = stage_customers.stage
