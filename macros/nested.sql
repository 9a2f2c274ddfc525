{#- A complete SELECT that returns one row per element of the list column `list_column` of `relation`:
    the `keep_columns`, the element as `element_alias` and its 1-based position as `index_alias`.
    Rows whose list is null or empty produce no rows. -#}
{% macro explode_with_index(relation, list_column, keep_columns, element_alias='element', index_alias='element_index') -%}
    {{ return(adapter.dispatch('explode_with_index', 'journey')(relation, list_column, keep_columns, element_alias, index_alias)) }}
{%- endmacro %}

{% macro default__explode_with_index(relation, list_column, keep_columns, element_alias, index_alias) -%}
    {{ exceptions.raise_compiler_error("journey.explode_with_index has no implementation for adapter " ~ adapter.type()) }}
{%- endmacro %}

{% macro duckdb__explode_with_index(relation, list_column, keep_columns, element_alias, index_alias) -%}
    select
        {%- for column in keep_columns %}
        {{ column }},
        {%- endfor %}
        unnest({{ list_column }}) as {{ element_alias }},
        generate_subscripts({{ list_column }}, 1) as {{ index_alias }}
    from {{ relation }}
    where {{ list_column }} is not null
{%- endmacro %}

{#- Spark: posexplode (0-based position) in a lateral view; null or empty lists give no rows. -#}
{% macro spark__explode_with_index(relation, list_column, keep_columns, element_alias, index_alias) -%}
    select
        {%- for column in keep_columns %}
        {{ column }},
        {%- endfor %}
        _exploded.{{ element_alias }},
        _exploded._position + 1 as {{ index_alias }}
    from {{ relation }}
    lateral view posexplode({{ list_column }}) _exploded as _position, {{ element_alias }}
{%- endmacro %}
