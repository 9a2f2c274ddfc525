{{ config(
    materialized=('table' if target.type == 'spark' else 'incremental'),
    incremental_strategy='reprocess_window',
    unique_key='session_key',
    reprocess_date_column='session_last_event_date',
    reprocess_upstream={'ref': 'int_ga4__sessions', 'date_column': 'last_event_date'},
) }}
{#- Behaviour flow per session (SPEC section 5): one row per (session, from_page, to_page) transition
    between consecutive page_view events of the session, with how often it happened. Each session
    adds '(entrance)' -> first page and last page -> '(exit)'; a reload of the same page is a
    transition to itself. mart_page_flow sums it over sessions.
    Incremental (macros/incremental.sql), like the funnel models: a run rebuilds the transitions of
    every session whose newest event date is in the window, as int_ga4__sessions holds it now and as
    the previous build holds it (a session whose events vanished is deleted by its key). On Spark a
    table rebuilt every run (a session's rows span dates). -#}

{%- set reprocessed = is_incremental() %}

with

{% if reprocessed -%}
{{ journey.rebuilt_sessions_ctes(this, 'session_key') }}

{% endif -%}

sessions as (

    select
        session_key,
        last_event_date,
        _raw_loaded_through
    from {{ ref('int_ga4__sessions') }}
    {%- if reprocessed %}
    where session_key in (select session_key from rebuilt_sessions)
    {%- endif %}

),

page_views as (

    select
        session_key,
        page_view_index,
        is_exit_page_view,
        coalesce(page_path, '(not set)') as page_path
    from {{ ref('int_ga4__session_events') }}
    where is_page_view
    {%- if reprocessed %}
        and session_key in (select session_key from rebuilt_sessions)
    {%- endif %}

),

ordered as (

    select
        session_key,
        page_path,
        is_exit_page_view,
        lag(page_path) over (partition by session_key order by page_view_index) as previous_page_path
    from page_views

),

transitions as (

    select
        session_key,
        coalesce(previous_page_path, '(entrance)') as from_page,
        page_path as to_page
    from ordered

    union all

    select
        session_key,
        page_path as from_page,
        '(exit)' as to_page
    from ordered
    where is_exit_page_view

),

transitions_per_session as (

    select
        session_key,
        from_page,
        to_page,
        count(*) as transitions
    from transitions
    group by session_key, from_page, to_page

)

select
    transitions_per_session.session_key,
    cast(transitions_per_session.from_page as {{ dbt.type_string() }}) as from_page,
    cast(transitions_per_session.to_page as {{ dbt.type_string() }}) as to_page,
    cast(transitions_per_session.transitions as {{ dbt.type_bigint() }}) as transitions,
    sessions.last_event_date as session_last_event_date,
    sessions._raw_loaded_through,
    {{ journey.invocation_id_column() }}
from transitions_per_session
inner join sessions
    on transitions_per_session.session_key = sessions.session_key
