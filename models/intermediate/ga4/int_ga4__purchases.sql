{{ config(materialized='table') }}

{#- One row per GA4 purchase transaction_id (consented events only, like the sessions). A transaction
    sent twice (page reload, duplicate tag) is kept once: its first purchase event. -#}

with

purchase_events as (

    select
        transaction_id,
        session_key,
        user_pseudo_id,
        user_id,
        event_at,
        ecommerce_purchase_revenue,
        currency,
        cast(row_number() over (
            partition by transaction_id
            order by event_timestamp_micros, event_key
        ) as bigint) as transaction_event_rank
    from {{ ref('int_ga4__session_events') }}
    where event_name = 'purchase'
        and transaction_id is not null

),

sessions as (

    select
        session_key,
        user_id
    from {{ ref('int_ga4__sessions') }}

),

final as (

    select
        purchase_events.transaction_id,
        purchase_events.session_key,
        purchase_events.user_pseudo_id,
        coalesce(purchase_events.user_id, sessions.user_id) as user_id,
        purchase_events.event_at as purchased_at,
        purchase_events.ecommerce_purchase_revenue as purchase_revenue,
        purchase_events.currency
    from purchase_events
    left join sessions
        on purchase_events.session_key = sessions.session_key
    where purchase_events.transaction_event_rank = 1

)

select * from final
