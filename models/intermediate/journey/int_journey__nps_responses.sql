{#- NPS responses in the journey (issue 11): one row per survey response (stg_crm__nps_responses)
    with the customer (respondent email -> customer_key through int_identity__identifiers; null when
    the email is not known to the identity graph), the reporting period of the response (var
    journey_map_period, reporting time zone), the journey stage the customer was in when they answered
    (the furthest stage reached strictly before submitted_at, awareness when none is - the rule of
    int_journey__stage_spells; the promoter response that makes a customer an advocate belongs to the
    stage before) and the last touchpoint before the response (the latest fct_touchpoints touch, not
    is_duplicate_touch, at or before submitted_at; '(none)' when there is none). -#}

with

responses as (

    select
        nps_response_id,
        email,
        submitted_at,
        score,
        nps_category
    from {{ ref('stg_crm__nps_responses') }}

),

email_customers as (

    select
        identifier_value as email,
        customer_key
    from {{ ref('int_identity__identifiers') }}
    where identifier_type = 'email'

),

responses_with_customer as (

    select
        responses.nps_response_id,
        email_customers.customer_key,
        responses.submitted_at,
        responses.score,
        responses.nps_category
    from responses
    left join email_customers
        on responses.email = email_customers.email

),

spells as (

    select
        customer_key,
        stage,
        stage_number,
        entered_at,
        left_at
    from {{ ref('int_journey__stage_spells') }}

),

response_stages as (

    select
        responses_with_customer.nps_response_id,
        spells.stage,
        spells.stage_number
    from responses_with_customer
    inner join spells
        on responses_with_customer.customer_key = spells.customer_key
        and {{ journey.stage_spell_contains('spells', 'responses_with_customer.submitted_at') }}

),

touches_before as (

    select
        responses_with_customer.nps_response_id,
        touches.channel,
        touches.touch_type,
        touches.occurred_at,
        cast(row_number() over (
            partition by responses_with_customer.nps_response_id
            order by touches.occurred_at desc, touches.touchpoint_id desc
        ) as bigint) as touch_recency
    from responses_with_customer
    inner join {{ ref('fct_touchpoints') }} as touches
        on responses_with_customer.customer_key = touches.customer_key
        and touches.occurred_at <= responses_with_customer.submitted_at
        and not touches.is_duplicate_touch

),

last_touches as (

    select
        nps_response_id,
        channel,
        touch_type,
        occurred_at
    from touches_before
    where touch_recency = 1

)

select
    responses_with_customer.nps_response_id,
    responses_with_customer.customer_key,
    responses_with_customer.submitted_at,
    {{ journey.journey_period_start('responses_with_customer.submitted_at') }} as period_start,
    responses_with_customer.score,
    responses_with_customer.nps_category,
    cast(coalesce(response_stages.stage, 'awareness') as {{ dbt.type_string() }}) as stage,
    cast(coalesce(response_stages.stage_number, 1) as {{ dbt.type_int() }}) as stage_number,
    cast(coalesce(last_touches.channel, '(none)') as {{ dbt.type_string() }}) as last_touch_channel,
    cast(coalesce(last_touches.touch_type, '(none)') as {{ dbt.type_string() }}) as last_touch_type,
    last_touches.occurred_at as last_touch_at
from responses_with_customer
left join response_stages
    on responses_with_customer.nps_response_id = response_stages.nps_response_id
left join last_touches
    on responses_with_customer.nps_response_id = last_touches.nps_response_id
