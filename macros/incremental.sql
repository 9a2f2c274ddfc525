{#- Incremental GA4 models (README "Incremental runs"). An incremental run reprocesses every event date
    from journey.incremental_reprocess_from on: every date newer than the newest the model already
    holds, every date whose raw rows changed since the model was built (config reprocess_upstream):
    GA4's re-exports (a day is re-exported for up to 72 hours), late files and the daily file
    replacing an intraday one, whatever their age; and the var incremental_lookback_days (default 0)
    newest dates it holds, changed or not.
    Session models rebuild whole sessions: every session with an event on a reprocessed date, from
    all its events. Portable SQL (dbt cross-database macros); the custom strategy is plain DELETE +
    INSERT. -#}

{#- var incremental_lookback_days as a non-negative integer, validated at compile time. -#}
{% macro incremental_lookback_days() -%}
    {%- set raw = var('incremental_lookback_days', 0) -%}
    {%- set days = raw | int(-1) -%}
    {%- if days < 0 or (raw | string | trim) != (days | string) -%}
        {{ exceptions.raise_compiler_error("var incremental_lookback_days must be a whole number >= 0, got " ~ raw) }}
    {%- endif -%}
    {{ return(days) }}
{%- endmacro %}

{#- SQL scalar subquery: the first event date an incremental run reprocesses, read from `relation` (the
    model's previous build, {{ this }}) and its DATE column `date_column`. It is the earliest of:
    - the day after max(date_column), minus var incremental_lookback_days (default 0: no date already
      built is reprocessed unless it changed; 1: the newest date built always is, ...);
    - with config reprocess_upstream (journey.reprocess_upstream_changes): the first date the model's
      upstream changed since the model was last built, whatever its age: a re-exported or late file,
      the daily file replacing an intraday one, a date whose rows all vanished.
    An empty table, or a column that is still null after a schema change, gives 1900-01-01: everything
    is reprocessed. So does a previous row matching `reprocess_all_when` (a SQL condition, the model's
    config of that name): a model whose rows depend on configuration (the funnel definitions) stores a
    hash of it in a column and rebuilds all when a row carries another. The model's SELECT and the
    strategy's DELETE (get_incremental_reprocess_window_sql) both evaluate it on the unchanged previous
    build and upstream, so they agree on the window. -#}
{% macro incremental_reprocess_from(relation, date_column, reprocess_all_when=none) -%}
    {%- set changes = journey.reprocess_upstream_changes(relation, date_column) -%}
    {%- set window_start -%}
        coalesce(
            cast({{ dbt.dateadd('day', 1 - journey.incremental_lookback_days(), 'max(' ~ date_column ~ ')') }} as date),
            cast('1900-01-01' as date)
        )
    {%- endset -%}
    {%- if changes -%}
        {%- set window_start -%}
            least(
                {{ window_start }},
                {%- for first_changed_date in changes %}
                coalesce({{ first_changed_date }}, cast('9999-12-31' as date)){{ ',' if not loop.last }}
                {%- endfor %}
            )
        {%- endset -%}
    {%- endif -%}
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

{#- The load-time version every GA4 incremental model stamps on its rows (column _raw_loaded_through):
    the latest `_loaded_at` of raw.ga4_events when the row was built. Loaders only insert rows under
    a new `_loaded_at` (a new file, or a changed file's rows replacing its old ones) or delete
    (`journey forget`, which rebuilds in full), so a raw row loaded after a model's newest version is
    one the model has not seen. Downstream models copy the version of the rows they are built from
    (a session: the newest of its events'). -#}
{% macro raw_loaded_through() -%}
    (select max(_loaded_at) from {{ source('ga4', 'ga4_events') }})
{%- endmacro %}

{#- Change detection of config reprocess_upstream, a dict:
      {'ref': '<model>'} or {'source': ['<source>', '<table>']}: the relation the model is built from;
      'date_column': its date column (default event_date), 'date_is_yyyymmdd': true for GA4's raw
        string dates;
      'vanished_key': a column of both the model and the upstream whose values, when gone from the
        upstream, mark vanished rows (default: the date columns themselves).
    Returns two SQL scalar subqueries (or [] without the config), each a DATE or null:
    - the first upstream date with a row whose version (`_loaded_at` of a source, _raw_loaded_through
      of a model) is newer than the newest version in `relation`: data the model has not seen;
    - the first date of `relation` whose vanished_key no longer occurs upstream: data that vanished
      (a re-exported file with no rows left, a date whose events all went).
    In dbt unit tests `relation` is a fixture name (a string): no change detection there. -#}
{% macro reprocess_upstream_changes(relation, date_column) -%}
    {%- set spec = config.get('reprocess_upstream') -%}
    {%- if not spec or relation is string -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if spec.get('source') -%}
        {%- set upstream = source(spec['source'][0], spec['source'][1]) -%}
        {%- set upstream_version = '_loaded_at' -%}
    {%- else -%}
        {%- set upstream = ref(spec['ref']) -%}
        {%- set upstream_version = '_raw_loaded_through' -%}
    {%- endif -%}
    {%- set upstream_date = spec.get('date_column', 'event_date') -%}
    {%- set first_new = 'min(' ~ upstream_date ~ ')' -%}
    {%- if spec.get('date_is_yyyymmdd') -%}
        {%- set first_new = journey.yyyymmdd_to_date(first_new) -%}
    {%- endif -%}
    {%- set this_key = spec.get('vanished_key', date_column) -%}
    {%- set upstream_key = spec.get('vanished_key', upstream_date) -%}
    {%- set first_new_date -%}
        (select {{ first_new }}
         from {{ upstream }}
         where {{ upstream_version }} > (
             select coalesce(max(_raw_loaded_through), cast('1900-01-01' as timestamp)) from {{ relation }}
         ))
    {%- endset -%}
    {%- set first_vanished_date -%}
        (select min({{ date_column }})
         from {{ relation }}
         where {{ this_key }} not in (
             select distinct {{ upstream_key }} from {{ upstream }} where {{ upstream_key }} is not null
         ))
    {%- endset -%}
    {{ return([first_new_date, first_vanished_date]) }}
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

{#- Incremental run of a model with one row set per GA4 session (the funnel models,
    int_ga4__page_transitions): CTEs reprocess_window and rebuilt_sessions (followed by a comma).
    The rebuilt sessions are those int_ga4__sessions holds with a newest event date in the window,
    and those the previous build (`relation`, its sessions in `session_column`, their newest event
    date in session_last_event_date) holds there: a session whose events in the window disappeared
    is rebuilt from what is left of it, wherever that now ends. `rebuild_all` rebuilds every session
    (a previous build without the columns this needs). -#}
{% macro rebuilt_sessions_ctes(relation, session_column, reprocess_all_when=none, rebuild_all=false) -%}
    reprocess_window as (

        {% if not rebuild_all -%}
        select {{ journey.incremental_reprocess_from(relation, 'session_last_event_date', reprocess_all_when) }} as first_date
        {%- else -%}
        -- the previous build predates these columns: rebuild everything
        select cast('1900-01-01' as date) as first_date
        {%- endif %}

    ),

    rebuilt_sessions as (

        select session_key
        from {{ ref('int_ga4__sessions') }}
        where last_event_date >= (select first_date from reprocess_window)
        {%- if not rebuild_all %}

        union

        select {{ session_column }}
        from {{ relation }}
        where session_last_event_date >= (select first_date from reprocess_window)
        {%- endif %}

    ),
{%- endmacro %}
