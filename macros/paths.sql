{#- Conversion-path helpers (SPEC 5, 6). Engine-specific aggregates are dispatched through
    adapter.dispatch('<name>', 'journey'): `duckdb__` implementations; `default__` raises a clear
    compile error naming the adapter, so a port adds `<adapter>__` versions without touching models. -#}

{#- Aggregate: the non-null values of `expression` joined with `separator` (a SQL string literal) in
    the order of `order_by`. -#}
{% macro ordered_string_agg(expression, separator, order_by) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'journey')(expression, separator, order_by)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(expression, separator, order_by) -%}
    {{ exceptions.raise_compiler_error("journey.ordered_string_agg has no implementation for adapter '" ~ adapter.type() ~ "': add " ~ adapter.type() ~ "__ordered_string_agg in macros/paths.sql") }}
{%- endmacro %}

{% macro duckdb__ordered_string_agg(expression, separator, order_by) -%}
    string_agg({{ expression }}, {{ separator }} order by {{ order_by }})
{%- endmacro %}


{#- Portable: decimal days (double) from timestamp `start` to timestamp `end` (second precision). -#}
{% macro days_between(start, end) -%}
    (cast({{ dbt.datediff(start, end, 'second') }} as double) / 86400.0)
{%- endmacro %}

{#- The path-eligible conversion kinds (var path_conversion_kinds) as a SQL list: ('a', 'b'). -#}
{% macro path_conversion_kinds_sql() -%}
    {%- set kinds = var('path_conversion_kinds', ['first_order', 'repeat_order']) -%}
    {%- if kinds is string -%}{%- set kinds = [kinds] -%}{%- endif -%}
    {%- if kinds | length == 0 -%}
        {{ exceptions.raise_compiler_error("var path_conversion_kinds must name at least one conversion kind") }}
    {%- endif -%}
    ({%- for k in kinds -%}'{{ k | replace("'", "''") }}'{{ ", " if not loop.last }}{%- endfor -%})
{%- endmacro %}
