{#- Edges of the identity graph, one row per (left identifier, right identifier, edge_source), with
    the over-merge guard applied as flags (is_cut). Device edges (left_type user_pseudo_id) come only
    from events with analytics consent (var require_analytics_consent).

    Over-merge guard: a device's person anchors are the distinct user_ids it logged in as plus the
    distinct emails it reaches through its own edges (email link -> email; purchase -> order -> email,
    also order -> generic customer -> email). A device is a shared device when it has more than
    var('identity_max_persons_per_device') person anchors (default 2: one person's email + user_id
    pass), more than var('identity_max_emails_per_device') emails (default 1) or more than
    var('identity_max_user_ids_per_device') user_ids (default 1). ALL edges of a shared device are cut,
    so it stays an anonymous customer of its own and no two people merge through it (joining it to one
    of them would be a guess). Cut edges stay in this model (is_cut) and are listed in
    marts.mart_identity_cut_edges. -#}

{%- set max_anchors = var('identity_max_persons_per_device', 2) | int %}
{%- set max_emails = var('identity_max_emails_per_device', 1) | int %}
{%- set max_user_ids = var('identity_max_user_ids_per_device', 1) | int %}

with

events as (

    -- per-day roll-up of the GA4 events, consent-filtered already: first_seen_at is the earliest event
    select user_pseudo_id, user_id, transaction_id, subscriber_id, first_seen_at as event_at
    from {{ ref('int_identity__ga4_sightings') }}
    where user_id is not null or transaction_id is not null or subscriber_id is not null

),

email_subscribers as (

    select subscriber_id, email
    from {{ ref('int_identity__email_sightings') }}
    where subscriber_id is not null

),

crm_contacts as (

    select contact_id, email, created_at
    from {{ ref('stg_crm__contacts') }}
    where email is not null

),

shopify_orders as (

    select order_id, order_number, email, created_at
    from {{ ref('stg_shopify__orders') }}

),

generic_orders as (

    select order_id, customer_id, email, min(ordered_at) as ordered_at
    from {{ ref('stg_generic_orders__order_lines') }}
    group by order_id, customer_id, email

),

-- GA4 purchase transaction_id -> order id of an order export. Matched on the order reference
-- without '#' and case (GA4 may send '#1001' or '1001'); an exact order_id match wins, then Shopify
-- before the generic shop system. A transaction id without an exported order stays an order
-- identifier of its own (as sent, trimmed).
order_references as (

    select order_id, {{ journey.identity_order_match_key('order_id') }} as match_key, 1 as source_rank
    from shopify_orders

    union all

    select order_id, {{ journey.identity_order_match_key('order_number') }}, 1
    from shopify_orders

    union all

    select order_id, {{ journey.identity_order_match_key('order_id') }}, 2
    from generic_orders

),

purchases as (

    select
        user_pseudo_id,
        trim(transaction_id) as transaction_id,
        min(event_at) as first_seen_at
    from events
    where transaction_id is not null
    group by user_pseudo_id, trim(transaction_id)

),

purchase_candidates as (

    select
        purchases.user_pseudo_id,
        purchases.transaction_id,
        purchases.first_seen_at,
        coalesce(order_references.order_id, purchases.transaction_id) as order_id,
        cast(row_number() over (
            partition by purchases.user_pseudo_id, purchases.transaction_id
            order by
                case when order_references.order_id = purchases.transaction_id then 0 else 1 end,
                order_references.source_rank,
                order_references.order_id
        ) as bigint) as candidate_rank
    from purchases
    left join order_references
        on order_references.match_key = {{ journey.identity_order_match_key('purchases.transaction_id') }}

),

raw_edges as (

    -- login: the device was logged in as the user_id
    select
        'user_pseudo_id' as left_type, user_pseudo_id as left_value,
        'user_id' as right_type, user_id as right_value,
        'ga4_login' as edge_source, event_at as seen_at
    from events
    where user_id is not null

    union all

    -- purchase: the device bought the order
    select
        'user_pseudo_id', user_pseudo_id,
        'order', order_id,
        'ga4_purchase', first_seen_at
    from purchase_candidates
    where candidate_rank = 1

    union all

    -- email link: the device opened a link carrying the email platform's subscriber id
    select
        'user_pseudo_id', events.user_pseudo_id,
        'email', email_subscribers.email,
        'ga4_email_link', events.event_at
    from events
    inner join email_subscribers
        on email_subscribers.subscriber_id = events.subscriber_id

    union all

    select
        'crm_contact', cast(contact_id as {{ dbt.type_string() }}),
        'email', email,
        'crm_contact', created_at
    from crm_contacts

    union all

    select
        'order', order_id,
        'email', email,
        'shopify_order', created_at
    from shopify_orders
    where email is not null

    union all

    select
        'order', order_id,
        'email', email,
        'generic_order', ordered_at
    from generic_orders
    where email is not null

    union all

    select
        'order', order_id,
        'generic_customer', customer_id,
        'generic_order', ordered_at
    from generic_orders
    where customer_id is not null

    union all

    select
        'generic_customer', customer_id,
        'email', email,
        'generic_customer', ordered_at
    from generic_orders
    where customer_id is not null
        and email is not null

),

edges as (

    select
        left_type,
        left_value,
        right_type,
        right_value,
        edge_source,
        min(seen_at) as first_seen_at
    from raw_edges
    where left_value is not null
        and right_value is not null
    group by left_type, left_value, right_type, right_value, edge_source

),

order_emails as (

    select left_value as order_id, right_value as email
    from edges
    where left_type = 'order' and right_type = 'email'

    union

    select order_customers.left_value, customer_emails.right_value
    from edges as order_customers
    inner join edges as customer_emails
        on customer_emails.left_type = 'generic_customer'
        and customer_emails.left_value = order_customers.right_value
        and customer_emails.right_type = 'email'
    where order_customers.left_type = 'order'
        and order_customers.right_type = 'generic_customer'

),

device_anchors as (

    select left_value as user_pseudo_id, 'user_id' as anchor_type, right_value as anchor_value
    from edges
    where left_type = 'user_pseudo_id' and right_type = 'user_id'

    union

    select left_value, 'email', right_value
    from edges
    where left_type = 'user_pseudo_id' and right_type = 'email'

    union

    select device_orders.left_value, 'email', order_emails.email
    from edges as device_orders
    inner join order_emails
        on order_emails.order_id = device_orders.right_value
    where device_orders.left_type = 'user_pseudo_id'
        and device_orders.right_type = 'order'

),

device_anchor_counts as (

    select
        user_pseudo_id,
        count(*) as person_anchor_count,
        count(case when anchor_type = 'email' then 1 end) as email_anchor_count,
        count(case when anchor_type = 'user_id' then 1 end) as user_id_anchor_count
    from device_anchors
    group by user_pseudo_id

),

shared_devices as (

    select
        user_pseudo_id,
        person_anchor_count,
        email_anchor_count,
        user_id_anchor_count,
        case
            when email_anchor_count > {{ max_emails }} then 'shared_device_emails'
            when user_id_anchor_count > {{ max_user_ids }} then 'shared_device_user_ids'
            when person_anchor_count > {{ max_anchors }} then 'shared_device_person_anchors'
        end as cut_reason
    from device_anchor_counts

)

select
    edges.left_type,
    edges.left_value,
    edges.right_type,
    edges.right_value,
    edges.edge_source,
    edges.first_seen_at,
    shared_devices.person_anchor_count as device_person_anchor_count,
    shared_devices.email_anchor_count as device_email_anchor_count,
    shared_devices.user_id_anchor_count as device_user_id_anchor_count,
    shared_devices.cut_reason is not null as is_cut,
    shared_devices.cut_reason
from edges
left join shared_devices
    on edges.left_type = 'user_pseudo_id'
    and shared_devices.user_pseudo_id = edges.left_value
