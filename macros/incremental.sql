{#- Incremental GA4 models (README "Incremental runs"). An incremental run reprocesses every event date
    from journey.incremental_reprocess_from on: the newest event date the model already holds minus
    var incremental_lookback_days (default 3), so GA4's re-exports (a day is re-exported for up to 72
    hours) and late events are picked up, and every newer date. Session models rebuild whole sessions:
    every session with an event on a reprocessed date, from all its events. Portable SQL (dbt
    cross-database macros); the custom strategy is plain DELETE + INSERT. -#}

{#- var incremental_lookback_days as a non-negative integer, validated at compile time. -#}
{% macro incremental_lookback_days() -%}
    {%- set raw = var('incremental_lookback_days', 3) -%}
    {%- set days = raw | int(-1) -%}
    {%- if days < 0 or (raw | string | trim) != (days | string) -%}
        {{ exceptions.raise_compiler_error("var incremental_lookback_days must be a whole number >= 0, got " ~ raw) }}
    {%- endif -%}
    {{ return(days) }}
{%- endmacro %}

{#- SQL scalar subquery: the first event date an incremental run reprocesses, read from `relation` (the
    model's previous build, {{ this }}) and its DATE column `date_column`: max(date_column) minus var
    incremental_lookback_days. An empty table, or a column that is still null after a schema change,
    gives 1900-01-01: everything is reprocessed. So does a previous row matching `reprocess_all_when`
    (a SQL condition, the model's config of that name): a model whose rows depend on configuration
    (the funnel definitions) stores a hash of it in a column and rebuilds all when a row carries
    another. The model's SELECT and the strategy's DELETE
    (get_incremental_reprocess_window_sql) both evaluate it on the unchanged previous build, so they
    agree on the window. -#}
{% macro incremental_reprocess_from(relation, date_column, reprocess_all_when=none) -%}
    {%- set window_start -%}
        coalesce(
            cast({{ dbt.dateadd('day', -1 * journey.incremental_lookback_days(), 'max(' ~ date_column ~ ')') }} as date),
            cast('1900-01-01' as date)
        )
    {%- endset -%}
    (
        select
        {%- if reprocess_all_when %}
            case when max(case when {{ reprocess_all_when }} then 1 else 0 end) = 1
                then cast('1900-01-01' as date)
                else {{ window_start }}
            end
        {%- else %}
            {{ window_start }}
        {%- endif %}
        from {{ relation }}
    )
{%- endmacro %}

{#- Custom incremental strategy `reprocess_window` (config incremental_strategy='reprocess_window',
    reprocess_date_column='<DATE column>', optional unique_key='<one column>', optional
    reprocess_all_when='<SQL condition on a previous row>'): delete+insert that
    also deletes every previous row of the reprocessed dates. DELETE the target rows whose
    reprocess_date_column is on or after journey.incremental_reprocess_from, or whose unique_key is in
    the new batch, or that match reprocess_all_when; then INSERT the batch. So rows that vanished from the source (a re-export with
    fewer events, a session whose events all disappeared) are deleted too, which plain delete+insert
    (deleting only keys present in the batch) misses; and a session rebuilt from events of older
    dates replaces all its previous rows through its key. -#}
{% macro get_incremental_reprocess_window_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set batch = arg_dict['temp_relation'] -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- set date_column = config.get('reprocess_date_column') -%}
    {%- if not date_column -%}
        {{ exceptions.raise_compiler_error("incremental_strategy 'reprocess_window' needs config reprocess_date_column (model " ~ target ~ ")") }}
    {%- endif -%}
    {%- if unique_key is not none and unique_key is not string -%}
        {{ exceptions.raise_compiler_error("incremental_strategy 'reprocess_window' takes one unique_key column (model " ~ target ~ ")") }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set reprocess_all_when = config.get('reprocess_all_when') %}
    delete from {{ target }}
    where {{ date_column }} >= {{ journey.incremental_reprocess_from(target, date_column, reprocess_all_when) }}
    {%- if reprocess_all_when %}
        or ({{ reprocess_all_when }})
    {%- endif %}
    {%- if unique_key %}
        or {{ unique_key }} in (select {{ unique_key }} from {{ batch }})
    {%- endif %};

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ batch }}
{%- endmacro %}
