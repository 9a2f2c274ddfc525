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

{#- Spark: try_cast, and for integer types the value goes through a double rounded half away from
    zero, as DuckDB's string -> integer cast does ('7.6' -> 8; a plain Spark cast truncates to 7). -#}
{% macro spark__safe_cast(field, type) -%}
    {%- if type | lower in ['bigint', 'int', 'integer', 'smallint', 'tinyint'] -%}
        case
            when trim({{ field }}) rlike '^[+-]?[0-9]+$' then try_cast(trim({{ field }}) as {{ type }})
            else try_cast(round(try_cast(trim({{ field }}) as double)) as {{ type }})
        end
    {%- else -%}
        try_cast(trim({{ field }}) as {{ type }})
    {%- endif -%}
{%- endmacro %}

{#- A double cast to bigint: DuckDB rounds half to even (7.6 -> 8, 2.5 -> 2); Spark truncates, so its
    version rounds first (bround = half to even). -#}
{% macro double_to_bigint(expression) -%}
    {{ return(adapter.dispatch('double_to_bigint', 'journey')(expression)) }}
{%- endmacro %}

{% macro default__double_to_bigint(expression) -%}
    cast({{ expression }} as bigint)
{%- endmacro %}

{% macro spark__double_to_bigint(expression) -%}
    cast(bround({{ expression }}, 0) as bigint)
{%- endmacro %}
