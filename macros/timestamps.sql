{#- Microseconds since the Unix epoch (GA4 event_timestamp) -> timestamp without time zone, in UTC. -#}
{% macro epoch_micros_to_timestamp(column) -%}
    {{ return(adapter.dispatch('epoch_micros_to_timestamp', 'journey')(column)) }}
{%- endmacro %}

{% macro default__epoch_micros_to_timestamp(column) -%}
    {{ exceptions.raise_compiler_error("journey.epoch_micros_to_timestamp has no implementation for adapter " ~ adapter.type()) }}
{%- endmacro %}

{% macro duckdb__epoch_micros_to_timestamp(column) -%}
    make_timestamp(cast({{ column }} as bigint))
{%- endmacro %}

{#- 'YYYYMMDD' string -> date; null when the string is not a valid date. Portable (substring + safe_cast). -#}
{% macro yyyymmdd_to_date(column) -%}
    {{ journey.safe_cast(
        dbt.concat(["substring(" ~ column ~ ", 1, 4)", "'-'", "substring(" ~ column ~ ", 5, 2)", "'-'", "substring(" ~ column ~ ", 7, 2)"]),
        "date") }}
{%- endmacro %}

{#- Naive UTC timestamp -> naive local wall-clock timestamp in time zone `tz` (an IANA name such as
    var('reporting_timezone')). Use it to derive reporting dates; store timestamps in UTC. -#}
{% macro utc_to_local(column, tz) -%}
    {{ return(adapter.dispatch('utc_to_local', 'journey')(column, tz)) }}
{%- endmacro %}

{% macro default__utc_to_local(column, tz) -%}
    {{ exceptions.raise_compiler_error("journey.utc_to_local has no implementation for adapter " ~ adapter.type()) }}
{%- endmacro %}

{% macro duckdb__utc_to_local(column, tz) -%}
    timezone('{{ tz }}', timezone('UTC', cast({{ column }} as timestamp)))
{%- endmacro %}

{#- Spark (spark.sql.session.timeZone=UTC, profiles.yml): timestamps are UTC instants shown in UTC. -#}
{% macro spark__epoch_micros_to_timestamp(column) -%}
    timestamp_micros(cast({{ column }} as bigint))
{%- endmacro %}

{% macro spark__utc_to_local(column, tz) -%}
    from_utc_timestamp(cast({{ column }} as timestamp), '{{ tz }}')
{%- endmacro %}
