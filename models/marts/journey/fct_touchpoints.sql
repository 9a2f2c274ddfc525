{#- One row per marketing interaction of a customer or anonymous visitor (SPEC 5): web sessions,
    email clicks (opens only when var email_opens_are_touches), CRM-logged sales touches (deals).
    An email click that lands as a web session of the same customer within
    var email_click_landing_minutes is that session's touch: it is kept with
    is_duplicate_touch = true so attribution counts the interaction once. -#}

with

sessions as (

    select
        session_key,
        customer_key,
        session_started_at,
        channel_group,
        source,
        medium,
        campaign
    from {{ ref('fct_sessions') }}

),

email_identifiers as (

    select identifier_value as email, customer_key
    from {{ ref('int_identity__identifiers') }}
    where identifier_type = 'email'

),

session_touches as (

    select
        {{ journey.surrogate_key(["'web_session'", 'session_key']) }} as touchpoint_id,
        customer_key,
        session_started_at as occurred_at,
        'web_session' as touch_type,
        channel_group as channel,
        source,
        medium,
        campaign,
        session_key,
        cast(null as {{ dbt.type_string() }}) as source_record_id,
        false as is_duplicate_touch
    from sessions

),

email_touch_events as (

    select
        activity.email_event_id,
        email_identifiers.customer_key,
        activity.occurred_at,
        activity.event_type,
        coalesce(activity.utm_source, '{{ var("email_platform_source", "klaviyo") }}') as source,
        coalesce(activity.utm_medium, 'email') as medium,
        coalesce(activity.utm_campaign, activity.campaign_name, activity.flow_name) as campaign
    from {{ ref('stg_email__activity') }} as activity
    inner join email_identifiers
        on activity.email = email_identifiers.email
    where activity.is_marketing_touch

),

email_landings as (

    -- The first Email-channel session of the same customer within the landing window.
    select
        email_touch_events.email_event_id,
        min(sessions.session_key) as landed_session_key
    from email_touch_events
    inner join sessions
        on email_touch_events.customer_key = sessions.customer_key
        and sessions.channel_group = 'Email'
        and sessions.session_started_at >= email_touch_events.occurred_at
        and sessions.session_started_at <= {{ dbt.dateadd(
            'minute', var('email_click_landing_minutes', 30), 'email_touch_events.occurred_at') }}
    where email_touch_events.event_type = 'clicked'
    group by email_touch_events.email_event_id

),

email_touches as (

    select
        {{ journey.surrogate_key(["'email_" ~ "'", 'email_touch_events.email_event_id']) }}
            as touchpoint_id,
        email_touch_events.customer_key,
        email_touch_events.occurred_at,
        {{ dbt.concat(["'email_'", 'email_touch_events.event_type']) }} as touch_type,
        'Email' as channel,
        email_touch_events.source,
        email_touch_events.medium,
        email_touch_events.campaign,
        email_landings.landed_session_key as session_key,
        email_touch_events.email_event_id as source_record_id,
        email_landings.landed_session_key is not null as is_duplicate_touch
    from email_touch_events
    left join email_landings
        on email_touch_events.email_event_id = email_landings.email_event_id

),

crm_touches as (

    select
        {{ journey.surrogate_key(["'crm_deal'", 'deals.deal_id']) }} as touchpoint_id,
        email_identifiers.customer_key,
        deals.created_at as occurred_at,
        'crm_sales' as touch_type,
        '{{ var("crm_touch_channel", "Sales") }}' as channel,
        'crm' as source,
        'sales' as medium,
        deals.deal_name as campaign,
        cast(null as {{ dbt.type_string() }}) as session_key,
        cast(deals.deal_id as {{ dbt.type_string() }}) as source_record_id,
        false as is_duplicate_touch
    from {{ ref('stg_crm__deals') }} as deals
    inner join email_identifiers
        on deals.associated_contact_email = email_identifiers.email

),

unioned as (

    select * from session_touches
    union all
    select * from email_touches
    union all
    select * from crm_touches

)

select
    touchpoint_id,
    customer_key,
    occurred_at,
    touch_type,
    channel,
    source,
    medium,
    campaign,
    session_key,
    source_record_id,
    is_duplicate_touch
from unioned
