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

{#- A list var of names as a SQL list: ('a', 'b'). Fails at compile time when the list is empty. -#}
{% macro var_sql_list(var_name, default) -%}
    {%- set values = var(var_name, default) -%}
    {%- if values is string -%}{%- set values = [values] -%}{%- endif -%}
    {%- if values | length == 0 -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must name at least one value") }}
    {%- endif -%}
    ({%- for v in values -%}'{{ v | replace("'", "''") }}'{{ ", " if not loop.last }}{%- endfor -%})
{%- endmacro %}

{#- The path-eligible conversion kinds (var path_conversion_kinds) as a SQL list. -#}
{% macro path_conversion_kinds_sql() -%}
    {{- journey.var_sql_list('path_conversion_kinds', ['first_order', 'repeat_order']) -}}
{%- endmacro %}

{#- The touch types that enter paths and attribution (var path_touch_types) as a SQL list. -#}
{% macro path_touch_types_sql() -%}
    {{- journey.var_sql_list('path_touch_types', ['web_session', 'email_clicked', 'email_opened', 'crm_sales']) -}}
{%- endmacro %}

{#- True when every path conversion kind can happen at most once per customer (var
    one_time_conversion_kinds): a customer who converted then has no non-converting journey. -#}
{% macro path_conversions_are_one_time() -%}
    {%- set kinds = var('path_conversion_kinds', ['first_order', 'repeat_order']) -%}
    {%- if kinds is string -%}{%- set kinds = [kinds] -%}{%- endif -%}
    {%- set one_time = var('one_time_conversion_kinds', ['first_order', 'crm_lead', 'crm_customer']) -%}
    {{- return(kinds | reject('in', one_time) | list | length == 0) -}}
{%- endmacro %}

{% macro spark__ordered_string_agg(expression, separator, order_by) -%}
    string_agg({{ expression }}, {{ separator }}) within group (order by {{ order_by }})
{%- endmacro %}
