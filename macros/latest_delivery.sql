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

{#- All rows of `relation` from the latest file (by name) that holds their key `key_column`
    (compared trimmed): an order re-exported in a later file is read from that file only, with all
    its rows (line items) from it. -#}
{% macro latest_file_rows(relation, key_column) -%}
    select rows_.*
    from {{ relation }} as rows_
    inner join (
        select
            trim({{ key_column }}) as delivery_key,
            max(_source_file) as _source_file
        from {{ relation }}
        group by trim({{ key_column }})
    ) as latest_files
        on trim(rows_.{{ key_column }}) = latest_files.delivery_key
        and rows_._source_file = latest_files._source_file
{%- endmacro %}
