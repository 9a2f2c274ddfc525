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
