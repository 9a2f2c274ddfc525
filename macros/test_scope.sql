{#- Data tests of a `dbt build` check the rows the build wrote (README "Incremental runs").

    The incremental models the GA4 volume sits in stamp every row they write with the dbt invocation
    that wrote it (column _dbt_invocation_id, macro journey.invocation_id_column). A generic data test
    on such a model, run by the `dbt build` that (re)built the model, reads only the rows of this
    invocation: a nightly run tests the reprocessed days and sessions it wrote, not 90 days of rows an
    earlier run wrote and tested (at 10M events the unique tests on stg_ga4__events and
    int_ga4__session_events alone read 20M keys a night). A full build writes every row, so it tests
    every row. Anything else tests the whole table: `dbt test`, a build that did not select the model,
    a model without the column, and models that are not incremental.

    A raw source whose meta names `journey_versioned_by` (raw.ga4_events: stg_ga4__events) is scoped
    the same way: a `dbt build` (not a --full-refresh) tests the rows of every file with a row loaded
    after the newest _raw_loaded_through of that model. The model was last built by a build whose
    source tests passed on every row loaded until then (a failing source test skips the model, and the
    next build tests those rows again), so this tests exactly what no passing build tested yet; a
    key shared by a new and an old row is within one file, whose rows are all tested.

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

{#- SQL condition on a raw source's rows, or none: in a `dbt build` without --full-refresh, the rows
    of the files loaded since the source's versioning model (meta journey_versioned_by) was built.
    None when that model does not exist yet (the first build tests everything). -#}
{% macro rows_loaded_since_built_condition(relation) -%}
    {%- if not execute or flags.WHICH != 'build' or flags.FULL_REFRESH or model is not mapping -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set parents = model.get('depends_on', {}).get('nodes', []) -%}
    {%- if parents | length != 1 or not parents[0].startswith('source.') -%}{{ return(none) }}{%- endif -%}
    {%- set tested_source = graph.sources.get(parents[0]) -%}
    {%- set versioned_by = ((tested_source.meta if tested_source else none) or {}).get('journey_versioned_by') -%}
    {%- if not versioned_by -%}{{ return(none) }}{%- endif -%}
    {%- set versioning = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
        | selectattr('name', 'equalto', versioned_by) | list -%}
    {%- if versioning | length != 1 -%}
        {{ exceptions.raise_compiler_error("meta journey_versioned_by of " ~ parents[0] ~ ": no model " ~ versioned_by) }}
    {%- endif -%}
    {%- set built = adapter.get_relation(versioning[0].database, versioning[0].schema, versioning[0].alias) -%}
    {%- if built is none -%}{{ return(none) }}{%- endif -%}
    {%- set condition -%}
        _source_file in (
            select _source_file from {{ relation }}
            where _loaded_at > (
                select coalesce(max(_raw_loaded_through), cast('1900-01-01' as timestamp)) from {{ built }}
            )
        )
    {%- endset -%}
    {{ return(condition) }}
{%- endmacro %}

{#- dbt's get_where_subquery (it wraps the `model` argument of every generic data test), extended by
    rows_written_condition and rows_loaded_since_built_condition. -#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}{%- do conditions.append('(' ~ where ~ ')') -%}{%- endif -%}
    {%- set written = journey.rows_written_condition() -%}
    {%- if written -%}{%- do conditions.append(written) -%}{%- endif -%}
    {%- set loaded = journey.rows_loaded_since_built_condition(relation) -%}
    {%- if loaded -%}{%- do conditions.append(loaded) -%}{%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
