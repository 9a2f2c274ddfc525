{#- One row per email recipient event; repeated deliveries of the same event kept once
    (journey.repeated_delivery_rows, as stg_ga4__events: only rows sharing a 64-bit hash of the
    event's identity, about 1% of rows, are ranked by their exact key). -#}

{%- set event_type -%}
        -- platform wording ('Opened Email', 'open', 'Marked Email as Spam', ...) -> one vocabulary
        case replace(replace(lower(trim(event)), ' ', '_'), '-', '_')
            when 'sent' then 'sent'
            when 'send' then 'sent'
            when 'delivered' then 'delivered'
            when 'delivery' then 'delivered'
            when 'received' then 'delivered'
            when 'received_email' then 'delivered'
            when 'opened' then 'opened'
            when 'open' then 'opened'
            when 'opened_email' then 'opened'
            when 'clicked' then 'clicked'
            when 'click' then 'clicked'
            when 'clicked_email' then 'clicked'
            when 'bounced' then 'bounced'
            when 'bounce' then 'bounced'
            when 'bounced_email' then 'bounced'
            when 'hard_bounce' then 'bounced'
            when 'soft_bounce' then 'bounced'
            when 'dropped_email' then 'bounced'
            when 'unsubscribed' then 'unsubscribed'
            when 'unsubscribe' then 'unsubscribed'
            when 'unsub' then 'unsubscribed'
            when 'unsubscribed_from_list' then 'unsubscribed'
            when 'marked_spam' then 'marked_spam'
            when 'marked_as_spam' then 'marked_spam'
            when 'marked_email_as_spam' then 'marked_spam'
            when 'spam' then 'marked_spam'
            when 'spam_complaint' then 'marked_spam'
            when 'abuse' then 'marked_spam'
            else replace(replace(lower(trim(event)), ' ', '_'), '-', '_')
        end
{%- endset %}

{#- An email event's identity: recipient, type, time, message and link. -#}
{%- set identity = [
    journey.normalize_email('email'),
    event_type,
    adapter.quote('timestamp'),
    journey.clean_string('campaign_id'),
    journey.clean_string('flow_id'),
    journey.clean_string('url'),
] %}

with

dropped_duplicates as (

    -- Repeated deliveries of one event (the same identity): the first by file and row is kept,
    -- these are the others.
    {{ journey.repeated_delivery_rows(
        'from ' ~ source('email', 'email_activity') ~ ' as events',
        'true',
        journey.hash64(identity),
        journey.surrogate_key(identity),
        'events._source_file, events._source_row'
    ) }}

),

deduplicated as (

    select
        {{ journey.surrogate_key(identity) }} as email_event_id,
        {{ journey.normalize_email('email') }} as email,
        {{ journey.clean_string('event') }} as event_type_raw,
        {{ event_type }} as event_type,
        {{ adapter.quote('timestamp') }} as occurred_at,
        {{ journey.clean_string('campaign_id') }} as campaign_id,
        {{ journey.clean_string('campaign_name') }} as campaign_name,
        {{ journey.clean_string('flow_id') }} as flow_id,
        {{ journey.clean_string('flow_name') }} as flow_name,
        {{ journey.clean_string('url') }} as url,
        {{ journey.clean_string('subscriber_id') }} as subscriber_id,
        events._source_file,
        events._source_row
    from {{ source('email', 'email_activity') }} as events
    left join dropped_duplicates
        on events._source_file = dropped_duplicates._source_file
        and events._source_row = dropped_duplicates._source_row
    where dropped_duplicates._source_row is null

),

final as (

    select
        email_event_id,
        email,
        event_type,
        event_type_raw,
        occurred_at,
        case
            when campaign_id is not null or campaign_name is not null then 'campaign'
            when flow_id is not null or flow_name is not null then 'flow'
        end as message_type,
        campaign_id,
        campaign_name,
        flow_id,
        flow_name,
        url,
        {{ journey.url_host('url') }} as url_host,
        {{ journey.url_path('url') }} as url_path,
        {{ journey.url_query_param('url', 'utm_source') }} as utm_source,
        {{ journey.url_query_param('url', 'utm_medium') }} as utm_medium,
        {{ journey.url_query_param('url', 'utm_campaign') }} as utm_campaign,
        {{ journey.url_query_param('url', 'utm_term') }} as utm_term,
        {{ journey.url_query_param('url', 'utm_content') }} as utm_content,
        subscriber_id,
        case
            when event_type = 'clicked' then true
            {%- if var('email_opens_are_touches', false) %}
            when event_type = 'opened' then true
            {%- endif %}
            else false
        end as is_marketing_touch,
        _source_file,
        _source_row
    from deduplicated

)

select * from final
