{{ config(
    materialized='incremental',
    incremental_strategy=('insert_overwrite' if target.type == 'spark' else 'reprocess_window'),
    partition_by=(['event_date'] if target.type == 'spark' else none),
    reprocess_date_column='event_date',
    reprocess_upstream={'ref': 'stg_ga4__events'},
) }}
{#- What the identity graph needs of the GA4 events, rolled up per day: one row per (event_date,
    device, user_id, transaction_id, subscriber_id) with the earliest event_at, from events with
    analytics consent when var require_analytics_consent is on. int_identity__nodes and
    int_identity__edges take first-seen times as the min over these rows, which equals the min over
    the events, and read about a tenth of the rows (at 10M events, issue 8's nightly run spent 8 s
    in the two reading stg_ga4__events whole).
    Incremental like stg_ga4__events (macros/incremental.sql): a run replaces every event_date from
    journey.incremental_reprocess_from on, which covers every date stg_ga4__events rebuilt since
    (config reprocess_upstream). -#}

{%- set require_consent = var('require_analytics_consent', true) %}

with

{% if is_incremental() -%}
reprocess_window as (

    select {{ journey.incremental_reprocess_from(this, 'event_date') }} as first_event_date

),

{% endif -%}

events as (

    select event_date, user_pseudo_id, user_id, transaction_id, subscriber_id, event_at, _raw_loaded_through
    from {{ ref('stg_ga4__events') }}
    where 1 = 1
    {%- if require_consent %}
        and has_analytics_consent
    {%- endif %}
    {%- if is_incremental() %}
        and event_date >= (select first_event_date from reprocess_window)
    {%- endif %}

)

select
    event_date,
    user_pseudo_id,
    user_id,
    transaction_id,
    subscriber_id,
    min(event_at) as first_seen_at,
    max(_raw_loaded_through) as _raw_loaded_through
from events
group by event_date, user_pseudo_id, user_id, transaction_id, subscriber_id
