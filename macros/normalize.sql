{#- Email address as compared across sources: trimmed, lower-cased, empty string -> null. -#}
{% macro normalize_email(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}

{#- Free text trimmed, empty string -> null. -#}
{% macro clean_string(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- Categorical label trimmed + lower-cased, empty string -> null. -#}
{% macro clean_label(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}

{#- Cast that yields null instead of failing on a bad value. dbt-duckdb's dbt.safe_cast is a plain cast,
    so DuckDB gets try_cast; other adapters use dbt.safe_cast. -#}
{% macro safe_cast(field, type) -%}
    {{ return(adapter.dispatch('safe_cast', 'journey')(field, type)) }}
{%- endmacro %}

{% macro default__safe_cast(field, type) -%}
    {{ dbt.safe_cast(field, type) }}
{%- endmacro %}

{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
