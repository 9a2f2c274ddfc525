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

{#- The (_source_file, _source_row) of every row that repeats an earlier one: rows with the same
    `exact_key` are one event, delivered more than once; the first by `keep_first_order` is kept,
    these are the others. Only rows whose `group_hash` (a cheap 64-bit hash, journey.hash64, of
    columns the exact key includes) occurs more than once are ranked: ranking every row (a window
    over all of them) cost stg_email__activity half its CPU and, at 100M GA4 events, tens of GB
    of spill; the others are kept without a sort. `rows_from` is a FROM clause (with joins) whose
    source rows are aliased `events`; `rows_where` filters them (read twice, so both reads see the
    same rows). -#}
{% macro repeated_delivery_rows(rows_from, rows_where, group_hash, exact_key, keep_first_order) -%}
    select
        _source_file,
        _source_row
    from (
        select
            events._source_file,
            events._source_row,
            cast(row_number() over (
                partition by {{ exact_key }}
                order by {{ keep_first_order }}
            ) as bigint) as delivery_rank
        {{ rows_from }}
        where {{ rows_where }}
            and {{ group_hash }} in (
                select {{ group_hash }}
                {{ rows_from }}
                where {{ rows_where }}
                group by {{ group_hash }}
                having count(*) > 1
            )
    ) as ranked
    where delivery_rank > 1
{%- endmacro %}
