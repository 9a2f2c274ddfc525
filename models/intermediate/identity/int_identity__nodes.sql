{#- Every identifier the sources know, one row per (identifier_type, identifier_value), with the
    first time any source saw it. Identifiers without an edge still become (singleton) customers, so
    every device, user_id, email, order and CRM contact gets a customer_key. With
    var('require_analytics_consent') on (default), GA4 identifiers come only from events with analytics
    consent, the events the session models keep: a device seen only without consent is not an
    identifier at all. GA4 identifiers come from the per-day roll-up int_identity__ga4_sightings. -#}

with

events as (

    -- consent-filtered already (int_identity__ga4_sightings)
    select user_pseudo_id, user_id, first_seen_at as event_at
    from {{ ref('int_identity__ga4_sightings') }}

),

crm_contacts as (

    select contact_id, email, created_at
    from {{ ref('stg_crm__contacts') }}

),

email_activity as (

    -- per (email, subscriber_id) roll-up of the email events: first_seen_at is the earliest event
    select email, first_seen_at as occurred_at
    from {{ ref('int_identity__email_sightings') }}

),

shopify_orders as (

    select order_id, email, created_at
    from {{ ref('stg_shopify__orders') }}

),

generic_order_lines as (

    select order_id, customer_id, email, ordered_at
    from {{ ref('stg_generic_orders__order_lines') }}

),

sightings as (

    select 'user_pseudo_id' as identifier_type, user_pseudo_id as identifier_value, event_at as seen_at
    from events

    union all

    select 'user_id', user_id, event_at
    from events
    where user_id is not null

    union all

    select 'crm_contact', cast(contact_id as {{ dbt.type_string() }}), created_at
    from crm_contacts

    union all

    select 'email', email, created_at
    from crm_contacts

    union all

    select 'email', email, occurred_at
    from email_activity

    union all

    select 'order', order_id, created_at
    from shopify_orders

    union all

    select 'email', email, created_at
    from shopify_orders

    union all

    select 'order', order_id, ordered_at
    from generic_order_lines

    union all

    select 'generic_customer', customer_id, ordered_at
    from generic_order_lines

    union all

    select 'email', email, ordered_at
    from generic_order_lines

)

select
    identifier_type,
    identifier_value,
    min(seen_at) as first_seen_at
from sightings
where identifier_value is not null
group by identifier_type, identifier_value
