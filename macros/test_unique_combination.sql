{#- Generic data test: no two rows share the same values of `columns` (like
    dbt_utils.unique_combination_of_columns). Use as `journey_unique_combination` in yml. -#}
{% test journey_unique_combination(model, columns) -%}
    select
        {{ columns | join(', ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{%- endtest %}
