{#- Schemas are named exactly as configured (raw, staging, intermediate, marts, seeds), not
    prefixed with the target schema: BI tools and the loaders rely on the fixed names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
