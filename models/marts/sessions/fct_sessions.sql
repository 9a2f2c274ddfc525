{#- One row per GA4 session (user_pseudo_id, ga_session_id), one row also when it crosses midnight,
    with the customer it belongs to: the customer of the user_id it was logged in as, else the
    customer (or anonymous visitor) of its device. -#}

with

sessions as (

    select * from {{ ref('int_ga4__sessions') }}

),

identifiers as (

    select identifier_type, identifier_value, customer_key
    from {{ ref('int_identity__identifiers') }}
    where identifier_type in ('user_id', 'user_pseudo_id')

)

select
    sessions.session_key,
    coalesce(by_user_id.customer_key, by_device.customer_key) as customer_key,
    sessions.user_pseudo_id,
    sessions.user_id,
    sessions.ga_session_id,
    sessions.is_session_id_synthetic,
    sessions.session_number,
    sessions.session_started_at,
    sessions.session_ended_at,
    sessions.session_date,
    sessions.duration_seconds,
    sessions.engagement_seconds,
    sessions.is_engaged,
    sessions.page_views,
    sessions.landing_page,
    sessions.landing_page_path,
    sessions.exit_page,
    sessions.exit_page_path,
    sessions.source,
    sessions.medium,
    sessions.campaign,
    sessions.default_channel_group,
    sessions.channel_group,
    sessions.last_non_direct_source,
    sessions.last_non_direct_medium,
    sessions.last_non_direct_campaign,
    sessions.last_non_direct_channel_group,
    sessions.device_category,
    sessions.country,
    sessions.has_view_item,
    sessions.has_add_to_cart,
    sessions.has_begin_checkout,
    sessions.has_add_payment_info,
    sessions.has_purchase,
    sessions.purchase_revenue
from sessions
left join identifiers as by_user_id
    on by_user_id.identifier_type = 'user_id'
    and by_user_id.identifier_value = sessions.user_id
left join identifiers as by_device
    on by_device.identifier_type = 'user_pseudo_id'
    and by_device.identifier_value = sessions.user_pseudo_id
