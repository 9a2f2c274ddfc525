{#- One row per conversion (SPEC 5): every non-cancelled order (first or repeat) and the
    configured micro-conversions: GA4 events (var micro_conversion_events, default sign_up and
    generate_lead) and CRM lifecycle changes (var crm_conversion_stages: a contact becoming a lead
    at its creation, a customer at its Became a Customer Date). -#}

{%- set micro_events = var('micro_conversion_events', ['sign_up', 'generate_lead']) -%}
{%- set crm_stages = var('crm_conversion_stages', ['lead', 'customer']) -%}

with

orders as (

    select
        {{ journey.surrogate_key(["'order'", 'order_key']) }} as conversion_id,
        customer_key,
        ordered_at as converted_at,
        'order' as conversion_type,
        case when is_first_order then 'first_order' else 'repeat_order' end as conversion_kind,
        is_first_order,
        net_revenue_reporting as revenue,
        order_key,
        session_key
    from {{ ref('fct_orders') }}
    where not is_cancelled

),

identifiers as (

    select identifier_type, identifier_value, customer_key
    from {{ ref('int_identity__identifiers') }}
    where identifier_type in ('user_id', 'user_pseudo_id', 'email')

),

micro_events as (

    select event_key, event_name, event_at, user_pseudo_id, user_id
    from {{ ref('stg_ga4__events') }}
    where event_name in (
        {%- for name in micro_events %}'{{ name }}'{{ ", " if not loop.last }}{% endfor -%}
    )
    {%- if var('require_analytics_consent', true) %}
        and has_analytics_consent
    {%- endif %}

),

sessions as (

    select session_key, user_pseudo_id, session_started_at, session_ended_at
    from {{ ref('fct_sessions') }}

),

event_conversions as (

    select
        {{ journey.surrogate_key(["'event'", 'micro_events.event_key']) }} as conversion_id,
        coalesce(by_user_id.customer_key, by_device.customer_key) as customer_key,
        micro_events.event_at as converted_at,
        'micro' as conversion_type,
        micro_events.event_name as conversion_kind,
        false as is_first_order,
        cast(0 as decimal(18, 2)) as revenue,
        cast(null as {{ dbt.type_string() }}) as order_key,
        sessions.session_key
    from micro_events
    left join identifiers as by_user_id
        on by_user_id.identifier_type = 'user_id'
        and by_user_id.identifier_value = micro_events.user_id
    left join identifiers as by_device
        on by_device.identifier_type = 'user_pseudo_id'
        and by_device.identifier_value = micro_events.user_pseudo_id
    left join sessions
        on sessions.user_pseudo_id = micro_events.user_pseudo_id
        and micro_events.event_at >= sessions.session_started_at
        and micro_events.event_at <= sessions.session_ended_at

),

crm_changes as (

    {%- set changes = [] %}
    {%- if 'lead' in crm_stages %}{% do changes.append(('crm_lead', 'created_at', "lifecycle_stage <> 'subscriber'")) %}{% endif %}
    {%- if 'customer' in crm_stages %}{% do changes.append(('crm_customer', 'became_customer_at', 'became_customer_at is not null')) %}{% endif %}
    {%- for kind, timestamp, condition in changes %}
    select
        {{ journey.surrogate_key(["'" ~ kind ~ "'", 'contacts.contact_id']) }} as conversion_id,
        identifiers.customer_key,
        contacts.{{ timestamp }} as converted_at,
        'micro' as conversion_type,
        '{{ kind }}' as conversion_kind,
        false as is_first_order,
        cast(0 as decimal(18, 2)) as revenue,
        cast(null as {{ dbt.type_string() }}) as order_key,
        cast(null as {{ dbt.type_string() }}) as session_key
    from {{ ref('stg_crm__contacts') }} as contacts
    inner join identifiers
        on identifiers.identifier_type = 'email'
        and identifiers.identifier_value = contacts.email
    where {{ condition }}
    {{ "union all" if not loop.last }}
    {%- endfor %}
    {%- if not changes %}
    select * from orders where false
    {%- endif %}

)

select * from orders
union all
select * from event_conversions
union all
select * from crm_changes
