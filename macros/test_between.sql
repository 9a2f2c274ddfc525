{#- Generic data test: every non-null value of the column lies in [min_value, max_value] (like
    dbt_utils.accepted_range with inclusive bounds). Use as `journey_between` in yml. -#}
{% test journey_between(model, column_name, min_value, max_value) -%}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} < {{ min_value }}
        or {{ column_name }} > {{ max_value }}
{%- endtest %}
