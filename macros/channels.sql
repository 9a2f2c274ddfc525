{#- Channel grouping (SPEC section 4). Portable SQL; the only engine-specific piece, a regular
    expression test, goes through journey.regexp_like (adapter.dispatch). -#}

{#- True when `string` contains a match of the regular expression `pattern` (a SQL expression, usually a
    quoted literal). Search semantics (not anchored): anchor with ^...$. Null when `string` is null.
    Write patterns without backslashes ([.] [0-9]) so they need no engine-specific escaping. -#}
{% macro regexp_like(string, pattern) -%}
    {{ return(adapter.dispatch('regexp_like', 'journey')(string, pattern)) }}
{%- endmacro %}

{% macro default__regexp_like(string, pattern) -%}
    {{ exceptions.raise_compiler_error("journey.regexp_like has no implementation for adapter " ~ adapter.type()) }}
{%- endmacro %}

{% macro duckdb__regexp_like(string, pattern) -%}
    regexp_matches({{ string }}, {{ pattern }})
{%- endmacro %}

{% macro spark__regexp_like(string, pattern) -%}
    ({{ string }} rlike {{ pattern }})
{%- endmacro %}

{#- GA4 default channel group of a session, as a CASE expression: GA4's rules, first match wins
    (SPEC section 4, from Google Analytics help answer 9756891).
    source, medium, campaign: SQL expressions (as delivered; compared lower-cased, '' = missing).
    source_category: SQL expression holding the source's category from seed ga4_source_categories
    (SOURCE_CATEGORY_SEARCH | _SHOPPING | _SOCIAL | _VIDEO), null for a source not on Google's list;
    join it on lower(source). -#}
{% macro ga4_default_channel_group(source, medium, campaign, source_category) -%}
    {%- set s = "lower(coalesce(" ~ source ~ ", ''))" -%}
    {%- set m = "lower(coalesce(" ~ medium ~ ", ''))" -%}
    {%- set c = "lower(coalesce(" ~ campaign ~ ", ''))" -%}
    {%- set cat = "coalesce(" ~ source_category ~ ", '')" -%}
    {%- set is_paid = journey.regexp_like(m, "'^(.*cp.*|ppc|retargeting|paid.*)$'") -%}
    {%- set is_shop_campaign = journey.regexp_like(c, "'^(.*(([^a-df-z]|^)shop|shopping).*)$'") -%}
    {%- set is_shopping_source = cat ~ " = 'SOURCE_CATEGORY_SHOPPING'" -%}
    {%- set is_search_source = cat ~ " = 'SOURCE_CATEGORY_SEARCH'" -%}
    {%- set is_social_source = cat ~ " = 'SOURCE_CATEGORY_SOCIAL'" -%}
    {%- set is_video_source = cat ~ " = 'SOURCE_CATEGORY_VIDEO'" -%}
    case
        when ({{ s }} = '(direct)' and {{ m }} in ('(none)', '(not set)'))
            or ({{ s }} = '' and {{ m }} = '')
            then 'Direct'
        when {{ c }} like '%cross-network%'
            then 'Cross-network'
        when ({{ is_shopping_source }} or {{ is_shop_campaign }}) and {{ is_paid }}
            then 'Paid Shopping'
        when {{ is_search_source }} and {{ is_paid }}
            then 'Paid Search'
        when {{ is_social_source }} and {{ is_paid }}
            then 'Paid Social'
        when {{ is_video_source }} and {{ is_paid }}
            then 'Paid Video'
        when {{ m }} in ('display', 'banner', 'expandable', 'interstitial', 'cpm')
            then 'Display'
        when {{ is_paid }}
            then 'Paid Other'
        when {{ is_shopping_source }} or {{ is_shop_campaign }}
            then 'Organic Shopping'
        when {{ is_social_source }}
            or {{ m }} in ('social', 'social-network', 'social-media', 'sm', 'social network', 'social media')
            then 'Organic Social'
        when {{ is_video_source }} or {{ m }} like '%video%'
            then 'Organic Video'
        when {{ is_search_source }} or {{ m }} = 'organic'
            then 'Organic Search'
        when {{ m }} in ('referral', 'app', 'link')
            then 'Referral'
        when {{ journey.regexp_like(s, "'email|e-mail|e_mail|e mail'") }}
            or {{ journey.regexp_like(m, "'email|e-mail|e_mail|e mail'") }}
            then 'Email'
        when {{ m }} = 'affiliate'
            then 'Affiliates'
        when {{ m }} = 'audio'
            then 'Audio'
        when {{ s }} = 'sms' or {{ m }} = 'sms'
            then 'SMS'
        when {{ m }} like '%push'
            or {{ m }} like '%mobile%'
            or {{ m }} like '%notification%'
            or {{ s }} = 'firebase'
            then 'Mobile Push Notifications'
        else 'Unassigned'
    end
{%- endmacro %}

{#- True when a row of seed channel_group_overrides (alias `rule`) matches the session's source, medium
    and campaign (SQL expressions). Patterns are searched in the lower-cased value; an empty or null
    pattern matches anything, a missing value is matched as ''. -#}
{% macro channel_override_matches(rule, source, medium, campaign) -%}
    {%- set parts = [] -%}
    {%- for column, value in [('source_pattern', source), ('medium_pattern', medium), ('campaign_pattern', campaign)] -%}
        {%- do parts.append(
            "(coalesce(" ~ rule ~ "." ~ column ~ ", '') = '' or "
            ~ journey.regexp_like("lower(coalesce(" ~ value ~ ", ''))", rule ~ "." ~ column) ~ ")"
        ) -%}
    {%- endfor -%}
    ({{ parts | join(' and ') }})
{%- endmacro %}
