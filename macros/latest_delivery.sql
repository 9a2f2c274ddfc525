{#- Rows of `relation` keeping, per key, the one delivered last: the latest file (by name), then the
    latest row within it. Raw tables keep every delivery; staging reads only the newest. -#}
{% macro latest_delivery(relation, partition_by) -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ partition_by }}
                order by _source_file desc, _source_row desc
            ) as delivery_rank
        from {{ relation }}
    ) as ranked
    where delivery_rank = 1
{%- endmacro %}
