{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    incremental_strategy='reprocess_window',
    unique_key='session_key',
    reprocess_date_column='last_event_date',
    reprocess_upstream={'ref': 'int_ga4__session_events'},
) }}
{#- Spark (README "Scaling out"): a session's rows span dates, so no date partition can replace it
    whole; on Parquet tables (no DELETE) this model is rebuilt in full (a table). Delta or Iceberg on
    a real cluster could keep reprocess_window as a MERGE. -#}

{#- One row per GA4 session (user_pseudo_id, ga_session_id), SPEC section 4: one GROUP BY over
    int_ga4__session_events (which carries the per-session positions), then the session source,
    GA4's default channel group (computed once per distinct source/medium/campaign), the channel
    overrides of seed channel_group_overrides, the session number and the last-non-direct source.
    Incremental (macros/incremental.sql): a run rebuilds every session with an event on a reprocessed
    date (from journey.incremental_reprocess_from on last_event_date: every date int_ga4__session_events
    rebuilt since this table was, and every last_event_date no longer among its dates), now or in the
    previous build,
    from all its events. Session numbers and last-non-direct sources depend on the device's earlier
    sessions, so per device every session starting at or after its earliest rebuilt session is
    rebuilt too, and the sessions before that (unchanged: their events are older than the window)
    come from the previous build as the timeline they are numbered and inherit from. Sessions of the
    previous build labelled under other seeds (ga4_source_categories, channel_group_overrides) are
    relabelled, so a seed change needs no full refresh. -#}

{%- set reprocessed = is_incremental() %}

with

{% if reprocessed -%}
reprocess_window as (

    select {{ journey.incremental_reprocess_from(this, 'last_event_date') }} as first_event_date

),

window_session_keys as (

    -- Sessions with an event on a reprocessed date: as int_ga4__session_events holds them now, and in
    -- the previous build (also sessions that no longer exist).
    select distinct session_key
    from {{ ref('int_ga4__session_events') }}
    where event_date >= (select first_event_date from reprocess_window)

    union

    select session_key
    from {{ this }}
    where last_event_date >= (select first_event_date from reprocess_window)

),

window_session_starts as (

    select
        events.user_pseudo_id,
        min(events.event_at) as session_started_at
    from {{ ref('int_ga4__session_events') }} as events
    inner join window_session_keys
        on events.session_key = window_session_keys.session_key
    group by events.session_key, events.user_pseudo_id

    union all

    select
        user_pseudo_id,
        session_started_at
    from {{ this }}
    where last_event_date >= (select first_event_date from reprocess_window)

),

device_rebuild_starts as (

    -- Per device: its sessions starting at or after this are rebuilt.
    select
        user_pseudo_id,
        min(session_started_at) as rebuild_from
    from window_session_starts
    group by user_pseudo_id

),

reprocessed_session_keys as (

    select session_key
    from window_session_keys

    union

    select previous_sessions.session_key
    from {{ this }} as previous_sessions
    inner join device_rebuild_starts
        on previous_sessions.user_pseudo_id = device_rebuild_starts.user_pseudo_id
    where previous_sessions.session_started_at >= device_rebuild_starts.rebuild_from

),

earlier_sessions as (

    -- The rebuilt devices' sessions before their rebuild start, unchanged, from the previous build.
    select
        previous_sessions.session_key,
        previous_sessions.user_pseudo_id,
        previous_sessions.ga_session_id,
        previous_sessions.session_started_at,
        previous_sessions.source,
        previous_sessions.medium,
        previous_sessions.campaign
    from {{ this }} as previous_sessions
    inner join device_rebuild_starts
        on previous_sessions.user_pseudo_id = device_rebuild_starts.user_pseudo_id
    where previous_sessions.session_started_at < device_rebuild_starts.rebuild_from

),

{% endif -%}

session_events as (

    select * from {{ ref('int_ga4__session_events') }}
    {%- if reprocessed %}
    where session_key in (select session_key from reprocessed_session_keys)
    {%- endif %}

),

aggregated as (

    select
        session_key,
        user_pseudo_id,
        ga_session_id,
        max({{ journey.flag_int('is_session_id_synthetic') }}) = 1 as is_session_id_synthetic,
        max(case when is_last_user_id_event then user_id end) as user_id,
        max(ga_session_number) as ga_session_number,
        min(event_at) as session_started_at,
        max(event_at) as session_ended_at,
        max(event_date) as last_event_date,
        (max(event_timestamp_micros) - min(event_timestamp_micros)) / 1e6 as duration_seconds,
        coalesce(sum(engagement_time_msec), 0) / 1e3 as engagement_seconds,
        max({{ journey.flag_int('session_engaged') }}) = 1 as has_session_engaged_flag,
        count(*) as events,
        count(case when is_page_view then 1 end) as page_views,
        count(case when is_key_event then 1 end) as key_events,
        max(case when is_landing_page_view then page_location end) as landing_page,
        max(case when is_landing_page_view then page_path end) as landing_page_path,
        max(case when is_exit_page_view then page_location end) as exit_page,
        max(case when is_exit_page_view then page_path end) as exit_page_path,
        max({{ journey.flag_int('has_campaign_data') }}) = 1 as has_campaign_data,
        max(case when is_session_traffic_source_event then event_source end) as event_source,
        max(case when is_session_traffic_source_event then event_medium end) as event_medium,
        max(case when is_session_traffic_source_event then event_campaign end) as event_campaign,
        max(case when is_session_traffic_source_event then event_gclid end) as event_gclid,
        max(case when event_index = 1 then device_category end) as device_category,
        max(case when event_index = 1 then geo_country end) as country,
        max({{ journey.flag_int("event_name = 'view_item'") }}) = 1 as has_view_item,
        max({{ journey.flag_int("event_name = 'add_to_cart'") }}) = 1 as has_add_to_cart,
        max({{ journey.flag_int("event_name = 'begin_checkout'") }}) = 1 as has_begin_checkout,
        max({{ journey.flag_int("event_name = 'add_payment_info'") }}) = 1 as has_add_payment_info,
        max({{ journey.flag_int("event_name = 'purchase'") }}) = 1 as has_purchase,
        coalesce(sum(case when event_name = 'purchase' then ecommerce_purchase_revenue end), 0) as purchase_revenue,
        max(_raw_loaded_through) as _raw_loaded_through
    from session_events
    group by session_key, user_pseudo_id, ga_session_id

),

with_source as (

    -- Session source / medium / campaign from the first event carrying campaign data; a gclid without
    -- a source is google / cpc; no campaign data (or neither source nor medium) is (direct) / (none).
    select
        *,
        case
            when event_source is not null then event_source
            when event_gclid is not null then 'google'
            when event_medium is null then '(direct)'
            else '(not set)'
        end as source,
        case
            when event_medium is not null then event_medium
            when event_source is null and event_gclid is not null then 'cpc'
            when event_source is null then '(none)'
            else '(not set)'
        end as medium,
        case
            when event_campaign is not null then event_campaign
            when event_source is null and event_medium is null and event_gclid is null then '(direct)'
            else '(not set)'
        end as campaign
    from aggregated

),

source_categories as (

    select
        lower(source) as source_lower,
        min(source_category) as source_category
    from {{ ref('ga4_source_categories') }}
    group by lower(source)

),

channel_overrides as (

    select
        priority,
        source_pattern,
        medium_pattern,
        campaign_pattern,
        channel_group
    from {{ ref('channel_group_overrides') }}
    where enabled

),

traffic_combinations as (

    -- The channel rules run once per distinct source / medium / campaign, not once per session;
    -- incremental runs also label the previous build's sessions with the current seeds.
    select distinct
        source,
        medium,
        campaign
    from with_source
    {%- if reprocessed %}

    union

    select
        source,
        medium,
        campaign
    from {{ this }}

    union

    select
        last_non_direct_source,
        last_non_direct_medium,
        last_non_direct_campaign
    from {{ this }}
    {%- endif %}

),

default_channels as (

    select
        traffic_combinations.source,
        traffic_combinations.medium,
        traffic_combinations.campaign,
        {{ journey.ga4_default_channel_group(
            'traffic_combinations.source',
            'traffic_combinations.medium',
            'traffic_combinations.campaign',
            'source_categories.source_category'
        ) }} as default_channel_group
    from traffic_combinations
    left join source_categories
        on lower(traffic_combinations.source) = source_categories.source_lower

),

override_matches as (

    select
        traffic_combinations.source,
        traffic_combinations.medium,
        traffic_combinations.campaign,
        channel_overrides.channel_group,
        cast(row_number() over (
            partition by traffic_combinations.source, traffic_combinations.medium, traffic_combinations.campaign
            order by channel_overrides.priority, channel_overrides.channel_group
        ) as bigint) as match_rank
    from traffic_combinations
    inner join channel_overrides
        on {{ journey.channel_override_matches(
            'channel_overrides',
            'traffic_combinations.source',
            'traffic_combinations.medium',
            'traffic_combinations.campaign'
        ) }}

),

channels as (

    select
        default_channels.source,
        default_channels.medium,
        default_channels.campaign,
        default_channels.default_channel_group,
        coalesce(override_matches.channel_group, default_channels.default_channel_group) as channel_group
    from default_channels
    left join override_matches
        on default_channels.source = override_matches.source
        and default_channels.medium = override_matches.medium
        and default_channels.campaign = override_matches.campaign
        and override_matches.match_rank = 1

),

with_channel as (

    -- source, medium and campaign are never null here, so plain equality joins are safe.
    select
        with_source.*,
        channels.default_channel_group,
        channels.channel_group
    from with_source
    inner join channels
        on with_source.source = channels.source
        and with_source.medium = channels.medium
        and with_source.campaign = channels.campaign

),

session_timeline as (

    -- Every session of the devices built, in start order, for session numbers and last-non-direct.
    select
        session_key,
        user_pseudo_id,
        ga_session_id,
        session_started_at,
        source,
        medium,
        campaign,
        default_channel_group,
        channel_group
    from with_channel
    {%- if reprocessed %}

    union all

    -- Their labels from the current seeds (a direct session is direct whatever the seeds say).
    select
        earlier_sessions.session_key,
        earlier_sessions.user_pseudo_id,
        earlier_sessions.ga_session_id,
        earlier_sessions.session_started_at,
        earlier_sessions.source,
        earlier_sessions.medium,
        earlier_sessions.campaign,
        channels.default_channel_group,
        channels.channel_group
    from earlier_sessions
    inner join channels
        on earlier_sessions.source = channels.source
        and earlier_sessions.medium = channels.medium
        and earlier_sessions.campaign = channels.campaign
    {%- endif %}

),

numbered_timeline as (

    select
        *,
        cast(row_number() over (
            partition by user_pseudo_id
            order by session_started_at, ga_session_id, session_key
        ) as bigint) as user_session_index
    from session_timeline

),

with_previous_non_direct as (

    select
        *,
        max(case when default_channel_group <> 'Direct' then user_session_index end) over (
            partition by user_pseudo_id
            order by user_session_index
            rows between unbounded preceding and 1 preceding
        ) as previous_non_direct_index
    from numbered_timeline

),

final as (

    select
        sessions.session_key,
        sessions.user_pseudo_id,
        sessions.ga_session_id,
        sessions.is_session_id_synthetic,
        sessions.user_id,
        coalesce(sessions.ga_session_number, timeline.user_session_index) as session_number,
        sessions.session_started_at,
        sessions.session_ended_at,
        sessions.last_event_date,
        cast({{ journey.utc_to_local('sessions.session_started_at', var('reporting_timezone')) }} as date) as session_date,
        sessions.duration_seconds,
        sessions.engagement_seconds,
        (
            sessions.has_session_engaged_flag
            or sessions.engagement_seconds >= {{ var('engaged_session_min_seconds', 10) }}
            or sessions.page_views >= 2
            or sessions.key_events > 0
        ) as is_engaged,
        sessions.events,
        sessions.page_views,
        sessions.key_events,
        sessions.landing_page,
        sessions.landing_page_path,
        sessions.exit_page,
        sessions.exit_page_path,
        sessions.source,
        sessions.medium,
        sessions.campaign,
        sessions.default_channel_group,
        sessions.channel_group,
        case when inherited.session_key is not null then inherited.source else sessions.source end as last_non_direct_source,
        case when inherited.session_key is not null then inherited.medium else sessions.medium end as last_non_direct_medium,
        case when inherited.session_key is not null then inherited.campaign else sessions.campaign end as last_non_direct_campaign,
        case when inherited.session_key is not null then inherited.channel_group else sessions.channel_group end as last_non_direct_channel_group,
        inherited.session_key as last_non_direct_session_key,
        sessions.device_category,
        sessions.country,
        sessions.has_view_item,
        sessions.has_add_to_cart,
        sessions.has_begin_checkout,
        sessions.has_add_payment_info,
        sessions.has_purchase,
        sessions.purchase_revenue,
        sessions._raw_loaded_through
    from with_channel as sessions
    inner join with_previous_non_direct as timeline
        on sessions.session_key = timeline.session_key
    left join with_previous_non_direct as inherited
        on sessions.default_channel_group = 'Direct'
        and inherited.user_pseudo_id = sessions.user_pseudo_id
        and inherited.user_session_index = timeline.previous_non_direct_index
        and inherited.session_started_at >= {{ dbt.dateadd('day', -1 * (var('last_non_direct_lookback_days', 30) | int), 'sessions.session_started_at') }}

){{ "," if reprocessed }}

{% if reprocessed -%}
stale_own_labels as (

    -- The source / medium / campaign combinations the previous build labelled otherwise than the
    -- seeds now do: a few rows (none unless a seed changed), so relabelled_sessions joins the
    -- previous build's sessions to them instead of labelling every session again.
    select distinct previous_labels.source, previous_labels.medium, previous_labels.campaign
    from (
        select distinct source, medium, campaign, default_channel_group, channel_group
        from {{ this }}
    ) as previous_labels
    inner join channels
        on previous_labels.source = channels.source
        and previous_labels.medium = channels.medium
        and previous_labels.campaign = channels.campaign
    where previous_labels.default_channel_group <> channels.default_channel_group
        or previous_labels.channel_group <> channels.channel_group

),

stale_last_non_direct_labels as (

    select distinct
        previous_labels.last_non_direct_source,
        previous_labels.last_non_direct_medium,
        previous_labels.last_non_direct_campaign
    from (
        select distinct
            last_non_direct_source,
            last_non_direct_medium,
            last_non_direct_campaign,
            last_non_direct_channel_group
        from {{ this }}
    ) as previous_labels
    inner join channels
        on previous_labels.last_non_direct_source = channels.source
        and previous_labels.last_non_direct_medium = channels.medium
        and previous_labels.last_non_direct_campaign = channels.campaign
    where previous_labels.last_non_direct_channel_group <> channels.channel_group

),

stale_session_keys as (

    select previous_sessions.session_key
    from {{ this }} as previous_sessions
    inner join stale_own_labels
        on previous_sessions.source = stale_own_labels.source
        and previous_sessions.medium = stale_own_labels.medium
        and previous_sessions.campaign = stale_own_labels.campaign

    union

    select previous_sessions.session_key
    from {{ this }} as previous_sessions
    inner join stale_last_non_direct_labels
        on previous_sessions.last_non_direct_source = stale_last_non_direct_labels.last_non_direct_source
        and previous_sessions.last_non_direct_medium = stale_last_non_direct_labels.last_non_direct_medium
        and previous_sessions.last_non_direct_campaign = stale_last_non_direct_labels.last_non_direct_campaign

),

relabelled_sessions as (

    -- Sessions of the previous build that are not rebuilt but whose channel groups no longer follow
    -- the seeds (ga4_source_categories or channel_group_overrides changed): the same rows with the
    -- current labels. Seeds never change which sessions are direct, so the last-non-direct session
    -- stays the same; its channel group is that of last_non_direct_source / medium / campaign.
    select
        previous_sessions.session_key,
        previous_sessions.user_pseudo_id,
        previous_sessions.ga_session_id,
        previous_sessions.is_session_id_synthetic,
        previous_sessions.user_id,
        previous_sessions.session_number,
        previous_sessions.session_started_at,
        previous_sessions.session_ended_at,
        previous_sessions.last_event_date,
        previous_sessions.session_date,
        previous_sessions.duration_seconds,
        previous_sessions.engagement_seconds,
        previous_sessions.is_engaged,
        previous_sessions.events,
        previous_sessions.page_views,
        previous_sessions.key_events,
        previous_sessions.landing_page,
        previous_sessions.landing_page_path,
        previous_sessions.exit_page,
        previous_sessions.exit_page_path,
        previous_sessions.source,
        previous_sessions.medium,
        previous_sessions.campaign,
        own_channel.default_channel_group,
        own_channel.channel_group,
        previous_sessions.last_non_direct_source,
        previous_sessions.last_non_direct_medium,
        previous_sessions.last_non_direct_campaign,
        last_non_direct_channel.channel_group as last_non_direct_channel_group,
        previous_sessions.last_non_direct_session_key,
        previous_sessions.device_category,
        previous_sessions.country,
        previous_sessions.has_view_item,
        previous_sessions.has_add_to_cart,
        previous_sessions.has_begin_checkout,
        previous_sessions.has_add_payment_info,
        previous_sessions.has_purchase,
        previous_sessions.purchase_revenue,
        previous_sessions._raw_loaded_through
    from {{ this }} as previous_sessions
    inner join channels as own_channel
        on previous_sessions.source = own_channel.source
        and previous_sessions.medium = own_channel.medium
        and previous_sessions.campaign = own_channel.campaign
    inner join channels as last_non_direct_channel
        on previous_sessions.last_non_direct_source = last_non_direct_channel.source
        and previous_sessions.last_non_direct_medium = last_non_direct_channel.medium
        and previous_sessions.last_non_direct_campaign = last_non_direct_channel.campaign
    where previous_sessions.session_key in (select session_key from stale_session_keys)
        and previous_sessions.session_key not in (select session_key from reprocessed_session_keys)
        and (
            previous_sessions.default_channel_group <> own_channel.default_channel_group
            or previous_sessions.channel_group <> own_channel.channel_group
            or previous_sessions.last_non_direct_channel_group <> last_non_direct_channel.channel_group
        )

)

{% endif -%}

select
    *,
    {{ journey.invocation_id_column() }}
from (
    select * from final
    {%- if reprocessed %}
    union all
    select * from relabelled_sessions
    {%- endif %}
) as written_sessions
