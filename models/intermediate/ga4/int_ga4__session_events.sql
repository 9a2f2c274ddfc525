{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    incremental_strategy='reprocess_window',
    unique_key='session_key',
    reprocess_date_column='event_date',
    reprocess_upstream={'ref': 'stg_ga4__events'},
) }}
{#- Spark (README "Scaling out"): a session's rows span dates, so no date partition can replace it
    whole; on Parquet tables (no DELETE) this model is rebuilt in full (a table). Delta or Iceberg on
    a real cluster could keep reprocess_window as a MERGE. -#}

{#- One row per GA4 event that may be used in person-level models (consent: var
    require_analytics_consent), assigned to its session. A session is (user_pseudo_id, ga_session_id),
    whatever the dates of its events. Events without ga_session_id are sessionised per user_pseudo_id
    by inactivity (a gap over var session_inactivity_minutes starts a new session) and get a synthetic
    ga_session_id: the start of that session in seconds since the epoch, like GA's own id.
    The per-session positions (event_index, page_view_index, the first event with campaign data, the
    last event with a user_id) are computed here in one window pass, so int_ga4__sessions needs one
    GROUP BY and no further scan.
    Incremental (macros/incremental.sql): a run rebuilds whole sessions, never parts of one. The
    reprocessed sessions are every session with an event on a reprocessed event_date (from
    journey.incremental_reprocess_from: every date stg_ga4__events rebuilt since this table was, and
    every date of this table no longer in it), in the new staging rows or in the previous build; each is
    rebuilt from all its events, also those of older dates (a session that started before the window
    or crosses midnight). Events without ga_session_id of every device with such an event are
    sessionised again over that device's whole history, and all their sessions rebuilt, so the
    synthetic ids equal the full build's. The strategy deletes the previous rows of the reprocessed
    dates and of every rebuilt session_key, then inserts the rebuilt sessions. -#}

{%- set reprocessed = is_incremental() %}

with

{% if reprocessed -%}
reprocess_window as (

    select {{ journey.incremental_reprocess_from(this, 'event_date') }} as first_event_date

),

window_sessions as (

    -- (user_pseudo_id, ga_session_id) with an event on a reprocessed date: in the new staging rows
    -- (null ga_session_id: a device to sessionise again) and in the previous build.
    select distinct
        user_pseudo_id,
        ga_session_id
    from {{ ref('stg_ga4__events') }}
    where event_date >= (select first_event_date from reprocess_window)
        and {{ journey.ga4_consent_filter('has_analytics_consent') }}

    union

    select distinct
        user_pseudo_id,
        ga_session_id
    from {{ this }}
    where event_date >= (select first_event_date from reprocess_window)

),

window_devices as (

    select distinct user_pseudo_id
    from window_sessions

),

reprocessed_session_ids as (

    -- The sessions to rebuild, by GA session id. Also every id an inactivity session of a window
    -- device may get (the start of one of its id-less events, in seconds): such a session merges with
    -- a real session of the same id, which must then be rebuilt with it. Extra ids are harmless: a
    -- rebuilt session equals its previous rows.
    select
        user_pseudo_id,
        ga_session_id
    from window_sessions
    where ga_session_id is not null

    union

    select
        events.user_pseudo_id,
        cast(floor(events.event_timestamp_micros / 1e6) as bigint) as ga_session_id
    from {{ ref('stg_ga4__events') }} as events
    inner join window_devices
        on events.user_pseudo_id = window_devices.user_pseudo_id
    where events.ga_session_id is null
        and {{ journey.ga4_consent_filter('events.has_analytics_consent') }}

),

rebuilt_sessions_start as (

    -- The first event date of the sessions to rebuild: a scan of three narrow columns.
    select min(events.event_date) as first_event_date
    from {{ ref('stg_ga4__events') }} as events
    inner join reprocessed_session_ids
        on events.user_pseudo_id = reprocessed_session_ids.user_pseudo_id
        and events.ga_session_id = reprocessed_session_ids.ga_session_id

),

{% endif -%}

events as (

    -- The events to sessionise. An incremental run reads the rebuilt sessions' events from the
    -- first date any of them has (the wide scan then skips the older row groups: 2 s of a 10M
    -- nightly read every event before), and the window devices' id-less events of every date.
    {%- set event_columns = [
        'event_key',
        'event_date',
        'event_at',
        'event_timestamp_micros',
        'event_name',
        'user_pseudo_id',
        'user_id',
        'ga_session_id',
        'ga_session_number',
        'page_location',
        'page_path',
        'page_referrer',
        'page_title',
        'engagement_time_msec',
        'session_engaged',
        'collected_source',
        'collected_medium',
        'collected_campaign',
        'collected_term',
        'collected_content',
        'collected_gclid',
        'param_source',
        'param_medium',
        'param_campaign',
        'param_term',
        'param_content',
        'param_gclid',
        'transaction_id',
        'ecommerce_purchase_revenue',
        'currency',
        'device_category',
        'geo_country',
        '_raw_loaded_through'
    ] %}
    select
        {%- for column in event_columns %}
        events.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('stg_ga4__events') }} as events
    {%- if reprocessed %}
    inner join reprocessed_session_ids
        on events.user_pseudo_id = reprocessed_session_ids.user_pseudo_id
        and events.ga_session_id = reprocessed_session_ids.ga_session_id
    {%- endif %}
    where {{ journey.ga4_consent_filter('events.has_analytics_consent') }}
    {%- if reprocessed %}
        and events.event_date >= (select first_event_date from rebuilt_sessions_start)

    union all

    select
        {%- for column in event_columns %}
        events.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('stg_ga4__events') }} as events
    inner join window_devices
        on events.user_pseudo_id = window_devices.user_pseudo_id
    where events.ga_session_id is null
        and {{ journey.ga4_consent_filter('events.has_analytics_consent') }}
    {%- endif %}

),

events_with_session_id as (

    select
        *,
        false as is_session_id_synthetic
    from events
    where ga_session_id is not null

),

events_without_session_id as (

    -- Fallback: a new session starts at a user's first id-less event and after every gap longer
    -- than the inactivity timeout.
    select
        *,
        case
            when lag(event_timestamp_micros) over user_timeline is null then true
            when event_timestamp_micros - lag(event_timestamp_micros) over user_timeline
                > {{ journey.session_inactivity_micros() }} then true
            else false
        end as starts_session
    from events
    where ga_session_id is null
    window user_timeline as (partition by user_pseudo_id order by event_timestamp_micros, event_key)

),

events_with_synthetic_session_id as (

    -- The session's start = the latest session start at or before the event.
    select
        event_key,
        event_date,
        event_at,
        event_timestamp_micros,
        event_name,
        user_pseudo_id,
        user_id,
        cast(floor(
            max(case when starts_session then event_timestamp_micros end) over (
                partition by user_pseudo_id
                order by event_timestamp_micros, event_key
                rows between unbounded preceding and current row
            ) / 1e6
        ) as bigint) as ga_session_id,
        ga_session_number,
        page_location,
        page_path,
        page_referrer,
        page_title,
        engagement_time_msec,
        session_engaged,
        collected_source,
        collected_medium,
        collected_campaign,
        collected_term,
        collected_content,
        collected_gclid,
        param_source,
        param_medium,
        param_campaign,
        param_term,
        param_content,
        param_gclid,
        transaction_id,
        ecommerce_purchase_revenue,
        currency,
        device_category,
        geo_country,
        _raw_loaded_through,
        true as is_session_id_synthetic
    from events_without_session_id

),

sessionised as (

    select * from events_with_session_id
    union all
    select * from events_with_synthetic_session_id

),

with_campaign_fields as (

    -- The event's campaign data: collected_traffic_source when it has a source, medium or campaign,
    -- else the source/medium/campaign params; gclid from either.
    select
        *,
        coalesce(
            {{ journey.clean_string('collected_source') }},
            {{ journey.clean_string('collected_medium') }},
            {{ journey.clean_string('collected_campaign') }}
        ) is not null as has_collected_campaign
    from sessionised

),

campaign_fields as (

    select
        *,
        case when has_collected_campaign then {{ journey.clean_string('collected_source') }} else {{ journey.clean_string('param_source') }} end as event_source,
        case when has_collected_campaign then {{ journey.clean_string('collected_medium') }} else {{ journey.clean_string('param_medium') }} end as event_medium,
        case when has_collected_campaign then {{ journey.clean_string('collected_campaign') }} else {{ journey.clean_string('param_campaign') }} end as event_campaign,
        case when has_collected_campaign then {{ journey.clean_string('collected_term') }} else {{ journey.clean_string('param_term') }} end as event_term,
        case when has_collected_campaign then {{ journey.clean_string('collected_content') }} else {{ journey.clean_string('param_content') }} end as event_content,
        coalesce({{ journey.clean_string('collected_gclid') }}, {{ journey.clean_string('param_gclid') }}) as event_gclid
    from with_campaign_fields

),

flagged as (

    select
        *,
        event_name = 'page_view' as is_page_view,
        coalesce(event_source, event_medium, event_campaign, event_gclid) is not null as has_campaign_data
    from campaign_fields

),

positioned as (

    select
        *,
        cast(row_number() over session_order as bigint) as event_index,
        count(case when is_page_view then 1 end) over session_order as page_views_so_far,
        count(case when is_page_view then 1 end) over whole_session as session_page_views,
        count(case when has_campaign_data then 1 end) over session_order as campaign_events_so_far,
        count(user_id) over session_order as user_ids_so_far,
        count(user_id) over whole_session as session_user_ids
    from flagged
    window
        session_order as (
            partition by user_pseudo_id, ga_session_id
            order by event_timestamp_micros, event_key
            rows between unbounded preceding and current row
        ),
        whole_session as (partition by user_pseudo_id, ga_session_id)

),

final as (

    select
        event_key,
        {{ journey.surrogate_key(['user_pseudo_id', 'ga_session_id']) }} as session_key,
        event_date,
        user_pseudo_id,
        ga_session_id,
        is_session_id_synthetic,
        event_index,
        event_at,
        event_timestamp_micros,
        event_name,
        user_id,
        ga_session_number,
        page_location,
        page_path,
        page_referrer,
        page_title,
        is_page_view,
        case when is_page_view then page_views_so_far end as page_view_index,
        is_page_view and page_views_so_far = 1 as is_landing_page_view,
        is_page_view and page_views_so_far = session_page_views as is_exit_page_view,
        engagement_time_msec,
        session_engaged,
        {{ journey.ga4_is_key_event('event_name') }} as is_key_event,
        event_source,
        event_medium,
        event_campaign,
        event_term,
        event_content,
        event_gclid,
        has_campaign_data,
        has_campaign_data and campaign_events_so_far = 1 as is_session_traffic_source_event,
        user_id is not null and user_ids_so_far = session_user_ids as is_last_user_id_event,
        transaction_id,
        ecommerce_purchase_revenue,
        currency,
        device_category,
        geo_country,
        _raw_loaded_through
    from positioned

)

select
    *,
    {{ journey.invocation_id_column() }}
from final
