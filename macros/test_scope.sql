{#- Data tests of a `dbt build` check the rows the build wrote (README "Incremental runs").

    The incremental models the GA4 volume sits in stamp every row they write with the dbt invocation
    that wrote it (column _dbt_invocation_id, macro journey.invocation_id_column). A generic data test
    on such a model, run by the `dbt build` that (re)built the model, reads only the rows of this
    invocation: a nightly run tests the reprocessed days and sessions it wrote, not 90 days of rows an
    earlier run wrote and tested (at 10M events the unique tests on stg_ga4__events and
    int_ga4__session_events alone read 20M keys a night). A full build writes every row, so it tests
    every row. Anything else tests the whole table: `dbt test`, a build that did not select the model,
    a model without the column, and models that are not incremental.

    A test's own `where` config still applies (both conditions). Relationship tests scope their child
    side only; the parent they look up is always the whole table. Singular tests are not affected. -#}

{#- The audit column: the dbt invocation that wrote the row. -#}
{% macro invocation_id_column() -%}
    cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as _dbt_invocation_id
{%- endmacro %}

{#- SQL condition on the tested model's rows, or none: rows written by this invocation when the test
    runs in the `dbt build` that built its (incremental, stamped) model. -#}
{% macro rows_written_condition() -%}
    {%- if not execute or flags.WHICH != 'build' -%}{{ return(none) }}{%- endif -%}
    {%- set attached = model.get('attached_node') if model is mapping else none -%}
    {%- if not attached or attached not in (selected_resources or []) -%}{{ return(none) }}{%- endif -%}
    {%- set tested = graph.nodes.get(attached) -%}
    {%- if tested is none
        or tested.config.materialized != 'incremental'
        or '_dbt_invocation_id' not in tested.columns -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return("_dbt_invocation_id = '" ~ invocation_id ~ "'") }}
{%- endmacro %}

{#- dbt's get_where_subquery (it wraps the `model` argument of every generic data test), extended by
    rows_written_condition. -#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}{%- do conditions.append('(' ~ where ~ ')') -%}{%- endif -%}
    {%- set written = journey.rows_written_condition() -%}
    {%- if written -%}{%- do conditions.append(written) -%}{%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
