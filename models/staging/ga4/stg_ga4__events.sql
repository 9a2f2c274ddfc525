{{ config(
    materialized='incremental',
    incremental_strategy=('insert_overwrite' if target.type == 'spark' else 'reprocess_window'),
    partition_by=(['event_date'] if target.type == 'spark' else none),
    reprocess_date_column='event_date',
    reprocess_upstream={'source': ['ga4', 'ga4_events'], 'date_is_yyyymmdd': true, 'vanished_key': '_source_file'},
) }}
{#- Spark (README "Scaling out"): Parquet tables take no DELETE, so the reprocessed event dates are
    replaced as whole partitions (insert_overwrite by event_date). -#}

{#- One row per GA4 event: intraday rows replaced by the daily export, exact duplicates removed, the
    event params and nested records flattened to columns.
    Incremental (macros/incremental.sql): a run rebuilds every event_date from
    journey.incremental_reprocess_from on (the first date with raw rows loaded since the newest
    _raw_loaded_through built, or whose file's rows are gone from raw, and at least the newest
    event_date built minus var incremental_lookback_days) from all raw rows of those dates, and
    replaces those dates whole, so a re-exported day (more or fewer events, of any age) and intraday
    rows replaced by the daily file are taken as the full build takes them. Duplicates are found within the reprocessed dates: a duplicate has the
    same event_timestamp, hence the same event_date.
    The raw table is read by three CTEs (two narrow, one wide) instead of one shared `source` CTE:
    DuckDB materializes a CTE referenced more than once, which for the wide nested rows cost more than
    the rest of the model (5M events: 118 s / 15 GB RSS before, 43 s / 2.7 GB after). -#}

{%- set reprocessed = is_incremental() %}

{#- The raw rows the model considers, read by each of the three CTEs below: every row but the intraday
    rows of a day that has a daily export (the daily table replaces the intraday table), and on an
    incremental run only the reprocessed dates. -#}
{%- set eligible_from %}
    from {{ source('ga4', 'ga4_events') }} as events
    left join source_files
        on events._source_file = source_files._source_file
    left join days_with_daily_export
        on events.event_date = days_with_daily_export.event_date
{%- endset %}
{%- set eligible_where -%}
    not (coalesce(source_files.is_intraday, false) and days_with_daily_export.event_date is not null)
    {%- if reprocessed %}
        and events.event_date >= (select first_event_date from reprocess_window)
    {%- endif %}
{%- endset %}
{#- An event's identity: user, timestamp, name and params. -#}
{%- set event_key = journey.surrogate_key([
    'events.user_pseudo_id',
    'events.event_timestamp',
    'events.event_name',
    journey.ga4_serialize_params('events.event_params'),
]) %}
{%- set duplicate_group = journey.hash64(['events.user_pseudo_id', 'events.event_timestamp', 'events.event_name']) %}

with

{% if reprocessed -%}
reprocess_window as (

    -- Incremental run: the first event_date to rebuild, as the export's YYYYMMDD string.
    select
        {{ dbt.replace(dbt.cast(journey.incremental_reprocess_from(this, 'event_date'), dbt.type_string()), "'-'", "''") }}
            as first_event_date

),

{% endif -%}

source_files as (

    -- One row per loaded export file: daily `events_YYYYMMDD` or intraday `events_intraday_YYYYMMDD`.
    select
        _source_file,
        {{ journey.regexp_extract_group(journey.file_basename('_source_file'), '^events_intraday_([0-9]{8})', 1) }} is not null as is_intraday,
        {{ journey.regexp_extract_group(journey.file_basename('_source_file'), '^events_([0-9]{8})', 1) }} as daily_table_suffix
    from (select distinct _source_file from {{ source('ga4', 'ga4_events') }}) as files

),

days_with_daily_export as (

    select distinct daily_table_suffix as event_date
    from source_files
    where daily_table_suffix is not null

),

dropped_duplicates as (

    -- Exact duplicates (same user, timestamp, name and params): one is kept, preferring the daily
    -- export, then the first file and row; these are the others. Duplicates share user, timestamp and
    -- name, so only rows whose hash of those three occurs more than once (about 0.2%) are ranked by
    -- the exact key; an event differing only in its params (or a hash collision) is kept. Ranking
    -- just these lets 100M events build without spilling tens of GB.
    {{ journey.repeated_delivery_rows(
        eligible_from,
        eligible_where,
        duplicate_group,
        event_key,
        'coalesce(source_files.is_intraday, false), events._source_file, events._source_row'
    ) }}

),

deduplicated as (

    -- The wide rows, read once, less the dropped duplicates (a small build side).
    select
        {{ event_key }} as event_key,
        coalesce(source_files.is_intraday, false) as is_intraday,
        events.*
    {{ eligible_from }}
    left join dropped_duplicates
        on events._source_file = dropped_duplicates._source_file
        and events._source_row = dropped_duplicates._source_row
    where {{ eligible_where }}
        and dropped_duplicates._source_row is null

),

params_extracted as (

    -- Every param of journey.ga4_event_param_spec() picked from the list in this one projection,
    -- by its position in the list's keys (listed once per event).
    select
        *,
        {{ journey.ga4_event_param_structs('event_params', '_event_param_keys') }}
    from (
        select
            *,
            {{ journey.ga4_param_keys('event_params') }} as _event_param_keys
        from deduplicated
    ) as with_param_keys

),

flattened as (

    select
        event_key,
        {{ journey.yyyymmdd_to_date('event_date') }} as event_date,
        {{ journey.epoch_micros_to_timestamp('event_timestamp') }} as event_at,
        event_timestamp as event_timestamp_micros,
        event_name,
        user_pseudo_id,
        {{ journey.clean_string('user_id') }} as user_id,
        {{ journey.epoch_micros_to_timestamp('user_first_touch_timestamp') }} as user_first_touch_at,
        coalesce(lower(privacy_info.analytics_storage), 'yes') <> 'no' as has_analytics_consent,
        privacy_info.analytics_storage as privacy_analytics_storage,
        privacy_info.ads_storage as privacy_ads_storage,

        {{ journey.ga4_event_param_columns() }},
        event_value_in_usd,

        device.category as device_category,
        device.operating_system as device_operating_system,
        device.operating_system_version as device_operating_system_version,
        device.language as device_language,
        device.mobile_brand_name as device_mobile_brand_name,
        device.mobile_model_name as device_mobile_model_name,
        device.web_info.browser as device_browser,
        device.web_info.browser_version as device_browser_version,
        device.web_info.hostname as device_hostname,

        geo.country as geo_country,
        geo.region as geo_region,
        geo.city as geo_city,
        geo.continent as geo_continent,
        geo.sub_continent as geo_sub_continent,
        geo.metro as geo_metro,

        traffic_source.source as traffic_source_source,
        traffic_source.medium as traffic_source_medium,
        traffic_source.name as traffic_source_name,

        collected_traffic_source.manual_source as collected_source,
        collected_traffic_source.manual_medium as collected_medium,
        collected_traffic_source.manual_campaign_id as collected_campaign_id,
        collected_traffic_source.manual_campaign_name as collected_campaign,
        collected_traffic_source.manual_term as collected_term,
        collected_traffic_source.manual_content as collected_content,
        collected_traffic_source.gclid as collected_gclid,
        collected_traffic_source.dclid as collected_dclid,
        collected_traffic_source.srsltid as collected_srsltid,

        ecommerce.transaction_id as ecommerce_transaction_id,
        ecommerce.purchase_revenue as ecommerce_purchase_revenue,
        ecommerce.purchase_revenue_in_usd as ecommerce_purchase_revenue_in_usd,
        ecommerce.refund_value as ecommerce_refund_value,
        ecommerce.refund_value_in_usd as ecommerce_refund_value_in_usd,
        ecommerce.shipping_value as ecommerce_shipping_value,
        ecommerce.tax_value as ecommerce_tax_value,
        ecommerce.unique_items as ecommerce_unique_items,
        ecommerce.total_item_quantity as ecommerce_total_item_quantity,

        items,
        stream_id,
        platform,
        is_intraday,
        _source_file,
        _source_row
    from params_extracted

),

final as (

    select
        event_key,
        event_date,
        event_at,
        event_timestamp_micros,
        event_name,
        user_pseudo_id,
        user_id,
        user_first_touch_at,
        has_analytics_consent,
        privacy_analytics_storage,
        privacy_ads_storage,

        ga_session_id,
        ga_session_number,
        page_location,
        {{ journey.url_host('page_location') }} as page_host,
        {{ journey.url_path('page_location') }} as page_path,
        page_referrer,
        page_title,
        engagement_time_msec,
        session_engaged,
        entrances,
        param_source,
        param_medium,
        param_campaign,
        param_term,
        param_content,
        param_gclid,
        currency,
        value,
        event_value_in_usd,
        coalesce(
            nullif(nullif(trim(param_transaction_id), ''), '(not set)'),
            nullif(nullif(trim(ecommerce_transaction_id), ''), '(not set)')
        ) as transaction_id,
        coalesce(
            {{ journey.url_query_param('page_location', '_kx') }},
            {{ journey.url_query_param('page_location', 'mc_eid') }}
        ) as subscriber_id,
        case
            when {{ journey.url_query_param('page_location', '_kx', decode=false) }} is not null then 'klaviyo'
            when {{ journey.url_query_param('page_location', 'mc_eid', decode=false) }} is not null then 'mailchimp'
        end as subscriber_id_platform,
        {{ journey.clean_string('experiment_id') }} as experiment_id,
        {{ journey.clean_string('experiment_variant') }} as experiment_variant,

        device_category,
        device_operating_system,
        device_operating_system_version,
        device_language,
        device_mobile_brand_name,
        device_mobile_model_name,
        device_browser,
        device_browser_version,
        device_hostname,

        geo_country,
        geo_region,
        geo_city,
        geo_continent,
        geo_sub_continent,
        geo_metro,

        traffic_source_source,
        traffic_source_medium,
        traffic_source_name,

        collected_source,
        collected_medium,
        collected_campaign_id,
        collected_campaign,
        collected_term,
        collected_content,
        collected_gclid,
        collected_dclid,
        collected_srsltid,

        ecommerce_transaction_id,
        ecommerce_purchase_revenue,
        ecommerce_purchase_revenue_in_usd,
        ecommerce_refund_value,
        ecommerce_refund_value_in_usd,
        ecommerce_shipping_value,
        ecommerce_tax_value,
        ecommerce_unique_items,
        ecommerce_total_item_quantity,

        items,
        stream_id,
        platform,
        is_intraday,
        _source_file,
        _source_row
    from flattened

)

select
    *,
    {{ journey.raw_loaded_through() }} as _raw_loaded_through,
    {{ journey.invocation_id_column() }}
from final
