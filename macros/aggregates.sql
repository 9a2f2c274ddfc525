{#- Median of a numeric expression (aggregate), on every engine. -#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'journey')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__median(expression) -%}
    median({{ expression }})
{%- endmacro %}

{#- Spark: percentile() is exact and interpolates like DuckDB's median (percentile_approx is not). -#}
{% macro spark__median(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}
