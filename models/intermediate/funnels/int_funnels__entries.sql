{{ config(**journey.funnels_model_config('session_key')) }}
-- depends_on: {{ ref('fct_sessions') }}
{#- One row per funnel entry (SPEC section 6), for every funnel of var `funnels`.
    Session funnels (window 'session'): every session with a step-1 event is an entry, entered at its
    first step-1 event. N-day funnels (window: N, customer level): the customer's sessions with a
    step-1 event are candidates (at their first step-1 event); the first opens an entry, and a later
    one opens a new entry only at or after the end of the previous entry's window (entered + N days),
    see macro funnel_day_window_entries. Steps after step 1: int_funnels__step_reached.
    Incremental when only session funnels without a channel step are configured (macro
    funnels_incremental): a run rebuilds the entries of the sessions in the window (macro
    funnel_rebuilt_sessions), and everything when the funnel definitions changed. -#}

{%- set funnels = journey.funnel_definitions() -%}
{%- set has_day_funnels = funnels | selectattr('window_days') | list | length > 0 %}

with

{% if is_incremental() -%}
{{ journey.funnel_rebuilt_sessions(this, 'session_key') }}

{% endif -%}
step_one_events as (

    {{ journey.funnel_step_events_sql(max_step=1, rebuilt_sessions=('rebuilt_sessions' if is_incremental() else none)) }}

),

first_in_session as (

    select
        *,
        cast(row_number() over (
            partition by funnel_name, session_key
            order by event_timestamp_micros, event_index
        ) as bigint) as event_rank
    from step_one_events

),

session_candidates as (

    select * from first_in_session where event_rank = 1

),

{%- if has_day_funnels %}
day_candidates as (

    select * from session_candidates where window_days is not null

),
{%- endif %}

entries as (

    select
        funnel_name, window_days, partition_key, event_key, session_key, session_date,
        session_last_event_date, _raw_loaded_through, event_index, event_at, event_timestamp_micros
    from session_candidates
    where window_days is null
    {%- if has_day_funnels %}

    union all

    select
        funnel_name, window_days, partition_key, event_key, session_key, session_date,
        session_last_event_date, _raw_loaded_through, event_index, event_at, event_timestamp_micros
    from {{ journey.funnel_day_window_entries('day_candidates') }} as day_entries
    {%- endif %}

)

select
    {{ journey.surrogate_key(['entries.funnel_name', 'entries.session_key']) }} as entry_key,
    entries.funnel_name,
    case
        when entries.window_days is null then 'session'
        else {{ dbt.concat([dbt.safe_cast('entries.window_days', dbt.type_string()), "' days'"]) }}
    end as funnel_window,
    entries.window_days,
    entries.session_key,
    entries.event_key as entry_event_key,
    entries.event_index as entry_event_index,
    entries.event_at as entered_at,
    entries.event_timestamp_micros as entered_at_micros,
    case
        when entries.window_days is null then null
        else entries.event_timestamp_micros
            + cast(entries.window_days as {{ dbt.type_bigint() }}) * 86400000000
    end as window_end_micros,
    entries.session_date as entry_date,
    entries.partition_key,
    entries.session_last_event_date,
    entries._raw_loaded_through,
    cast('{{ journey.funnels_definition_hash() }}' as {{ dbt.type_string() }}) as funnels_definition_hash,
    {{ journey.invocation_id_column() }}
from entries
