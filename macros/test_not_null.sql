{#- Generic data test: none of the given columns holds a null. One test per model instead of one
    dbt `not_null` test per column: each test node costs dbt ~25 ms of compiling, scheduling and a
    round trip however small its query, and the nightly run tested ~170 columns one by one (issue
    8's benchmark); here one scan counts the nulls of every column. Returns one row per column that
    has nulls, with how many (a failure names the columns). Use as `journey_not_null` under a
    model's `data_tests:` with `arguments: {columns: [...]}`; a column whose not-null test needs its
    own config (severity, where) keeps dbt's `not_null`. -#}
{% test journey_not_null(model, columns) -%}
    with null_counts as (

        select
        {%- for column in columns %}
            count(case when {{ column }} is null then 1 end) as nulls_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
        from {{ model }}

    )
    {% for column in columns %}
    select '{{ column }}' as column_name, nulls_{{ loop.index }} as null_rows
    from null_counts
    where nulls_{{ loop.index }} > 0
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endtest %}
