{#- Session helpers for the GA4 intermediate models (SPEC section 4). Portable SQL. -#}

{#- Boolean SQL: the event is a key event (var ga4_key_events, default ['purchase']). -#}
{% macro ga4_is_key_event(event_name) -%}
    {%- set key_events = var('ga4_key_events', ['purchase']) -%}
    {%- if key_events is string -%}{%- set key_events = [key_events] -%}{%- endif -%}
    {%- if key_events | length == 0 -%}
        (1 = 0)
    {%- else -%}
        ({{ event_name }} in ({%- for e in key_events -%}'{{ e }}'{{ ", " if not loop.last }}{%- endfor -%}))
    {%- endif -%}
{%- endmacro %}

{#- Boolean SQL for a WHERE clause: the event may be used in person-level models. True unless var
    require_analytics_consent (default true) is on, in which case events without analytics consent
    are dropped. -#}
{% macro ga4_consent_filter(has_consent_column='has_analytics_consent') -%}
    {%- if var('require_analytics_consent', true) -%}
        {{ has_consent_column }}
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}

{#- The inactivity gap that starts a new session when ga_session_id is missing, in micro-seconds
    (var session_inactivity_minutes, default 30). -#}
{% macro session_inactivity_micros() -%}
    {{ (var('session_inactivity_minutes', 30) | int) * 60 * 1000000 }}
{%- endmacro %}

{#- 1 when `condition` holds, else 0: for sums and max() of booleans in portable SQL. -#}
{% macro flag_int(condition) -%}
    case when {{ condition }} then 1 else 0 end
{%- endmacro %}
