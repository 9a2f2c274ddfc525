{#- The GA4 event params the warehouse flattens: (param key, output column, kind).
    kind: int | double | string | flag ('1' sent as string or int -> true). -#}
{% macro ga4_event_param_spec() -%}
    {{ return([
        ('ga_session_id', 'ga_session_id', 'int'),
        ('ga_session_number', 'ga_session_number', 'int'),
        ('page_location', 'page_location', 'string'),
        ('page_referrer', 'page_referrer', 'string'),
        ('page_title', 'page_title', 'string'),
        ('engagement_time_msec', 'engagement_time_msec', 'int'),
        ('session_engaged', 'session_engaged', 'flag'),
        ('entrances', 'entrances', 'int'),
        ('source', 'param_source', 'string'),
        ('medium', 'param_medium', 'string'),
        ('campaign', 'param_campaign', 'string'),
        ('term', 'param_term', 'string'),
        ('content', 'param_content', 'string'),
        ('gclid', 'param_gclid', 'string'),
        ('currency', 'currency', 'string'),
        ('value', 'value', 'double'),
        ('transaction_id', 'param_transaction_id', 'string'),
        (var('experiment_id_param', 'experiment_id'), 'experiment_id', 'string'),
        (var('experiment_variant_param', 'experiment_variant'), 'experiment_variant', 'string'),
    ]) }}
{%- endmacro %}

{#- The keys of a GA4 key/value params list, in list order (found once per event, then searched by
    position for every param of the spec). -#}
{% macro ga4_param_keys(params_column) -%}
    {{ return(adapter.dispatch('ga4_param_keys', 'journey')(params_column)) }}
{%- endmacro %}

{% macro default__ga4_param_keys(params_column) -%}
    {{ exceptions.raise_compiler_error("journey.ga4_param_keys has no implementation for adapter " ~ adapter.type()) }}
{%- endmacro %}

{% macro duckdb__ga4_param_keys(params_column) -%}
    list_transform({{ params_column }}, lambda p: p.key)
{%- endmacro %}

{#- The value struct {string_value, int_value, float_value, double_value} of the first param named `key`
    in the GA4 key/value list `params_column`; null when the param is absent. `keys_column`: the list's
    keys from journey.ga4_param_keys, when the query has them already (else they are listed here). -#}
{% macro ga4_param_value(params_column, key, keys_column=none) -%}
    {{ return(adapter.dispatch('ga4_param_value', 'journey')(params_column, key, keys_column)) }}
{%- endmacro %}

{% macro default__ga4_param_value(params_column, key, keys_column=none) -%}
    {{ exceptions.raise_compiler_error("journey.ga4_param_value has no implementation for adapter " ~ adapter.type()) }}
{%- endmacro %}

{#- list_position finds the first matching key without building a filtered list of structs per param
    (list_filter with a lambda per param was 2.5x slower on 280k events: issue 8's benchmark). -#}
{% macro duckdb__ga4_param_value(params_column, key, keys_column=none) -%}
    {{ params_column }}[list_position({{ keys_column or journey.ga4_param_keys(params_column) }}, '{{ key }}')].value
{%- endmacro %}

{#- Step 1 of the flattening, for a SELECT list: one value struct per param of the spec, named
    `_param__<column>`, all picked from the list in the same projection (by position in
    `keys_column`, the list's keys, when given). -#}
{% macro ga4_event_param_structs(params_column='event_params', keys_column=none) -%}
    {%- for key, column, kind in journey.ga4_event_param_spec() %}
    {{ journey.ga4_param_value(params_column, key, keys_column) }} as _param__{{ column }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Step 2, for the SELECT list of the next CTE: the typed column of each param from its value struct. -#}
{% macro ga4_event_param_columns() -%}
    {%- for key, column, kind in journey.ga4_event_param_spec() %}
    {{ journey.ga4_typed_param('_param__' ~ column, kind) }} as {{ column }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- One typed value from a GA4 param value struct. GA4 puts a value in whichever of string/int/float/double
    the tag sent, so each kind coalesces across them. -#}
{% macro ga4_typed_param(value, kind) -%}
    {%- if kind == 'int' -%}
        coalesce(
            {{ value }}.int_value,
            {{ journey.safe_cast(value ~ ".string_value", "bigint") }},
            {{ journey.double_to_bigint('coalesce(' ~ value ~ '.double_value, ' ~ value ~ '.float_value)') }}
        )
    {%- elif kind == 'double' -%}
        coalesce(
            cast({{ value }}.int_value as double),
            {{ value }}.float_value,
            {{ value }}.double_value,
            {{ journey.safe_cast(value ~ ".string_value", "double") }}
        )
    {%- elif kind == 'flag' -%}
        case
            when {{ value }} is null then null
            when coalesce(
                trim({{ value }}.string_value),
                cast({{ value }}.int_value as {{ dbt.type_string() }}),
                cast({{ journey.double_to_bigint('coalesce(' ~ value ~ '.double_value, ' ~ value ~ '.float_value)') }} as {{ dbt.type_string() }})
            ) = '1' then true
            else false
        end
    {%- elif kind == 'string' -%}
        coalesce(
            {{ value }}.string_value,
            cast({{ value }}.int_value as {{ dbt.type_string() }}),
            cast(coalesce({{ value }}.double_value, {{ value }}.float_value) as {{ dbt.type_string() }})
        )
    {%- else -%}
        {{ exceptions.raise_compiler_error("ga4_typed_param: unknown kind " ~ kind) }}
    {%- endif -%}
{%- endmacro %}

{#- Compact, deterministic text of a GA4 key/value params list, for hashing an event: each param as
    key:s<string>:i<int>:f<float>:d<double> (null values left out, the type letter keeps '1' and 1 apart),
    joined with '|' in list order. -#}
{% macro ga4_serialize_params(params_column) -%}
    {{ return(adapter.dispatch('ga4_serialize_params', 'journey')(params_column)) }}
{%- endmacro %}

{% macro default__ga4_serialize_params(params_column) -%}
    {{ exceptions.raise_compiler_error("journey.ga4_serialize_params has no implementation for adapter " ~ adapter.type()) }}
{%- endmacro %}

{% macro duckdb__ga4_serialize_params(params_column) -%}
    array_to_string(
        list_transform(
            {{ params_column }},
            lambda p: concat_ws(':', p.key, 's' || p.value.string_value, 'i' || p.value.int_value, 'f' || p.value.float_value, 'd' || p.value.double_value)
        ),
        '|'
    )
{%- endmacro %}

{% macro spark__ga4_param_keys(params_column) -%}
    transform({{ params_column }}, p -> p.key)
{%- endmacro %}

{#- Spark: element_at(list, 0) is an error even with ANSI off, so a missing key cannot be looked up
    by array_position; the first match of a filter is null when there is none. -#}
{% macro spark__ga4_param_value(params_column, key, keys_column=none) -%}
    element_at(filter({{ params_column }}, p -> p.key = '{{ key }}'), 1).value
{%- endmacro %}

{% macro spark__ga4_serialize_params(params_column) -%}
    array_join(
        transform(
            {{ params_column }},
            p -> concat_ws(':', p.key, 's' || p.value.string_value, 'i' || p.value.int_value, 'f' || p.value.float_value, 'd' || p.value.double_value)
        ),
        '|'
    )
{%- endmacro %}
