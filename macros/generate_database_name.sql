{#- The marts folder (+database: journey_marts) is built into the marts' own DuckDB file, which
    profiles.yml attaches under that name (README "Write-audit-publish"). Every other node, and
    every node on Spark (no attached files there), stays in the target's database. -#}
{% macro generate_database_name(custom_database_name, node) -%}
    {%- if custom_database_name is none or target.type != 'duckdb' -%}
        {{ target.database }}
    {%- else -%}
        {{ custom_database_name | trim }}
    {%- endif -%}
{%- endmacro %}
