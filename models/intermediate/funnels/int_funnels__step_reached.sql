{{ config(**journey.funnels_model_config('entry_session_key')) }}
-- depends_on: {{ ref('fct_sessions') }}
{#- One row per funnel entry and step reached (long format, SPEC section 6). Closed funnel: step k is
    reached at the earliest matching event strictly after the event that reached step k-1 (later in
    time, or the same micro-second and later in the same session's event order) and within the
    window: the entry's session for session funnels, [entered_at, entered_at + N days) of the same
    customer for N-day funnels. Greedy earliest matching is optimal for a closed funnel: reaching a
    step as early as possible leaves the most room for the next one. One join per step, each
    partitioned by session (or customer), so cost grows linearly with events.
    Incremental like int_funnels__entries: a run rebuilds the steps of the entries of the sessions in
    the window. -#}

{%- set max_steps = journey.funnel_max_steps() %}

with

{% if is_incremental() -%}
{{ journey.funnel_rebuilt_sessions(this, 'entry_session_key') }}

{% endif -%}
entries as (

    select * from {{ ref('int_funnels__entries') }}
    {%- if is_incremental() %}
    where session_key in (select session_key from rebuilt_sessions)
    {%- endif %}

),

step_events as (

    {{ journey.funnel_step_events_sql(rebuilt_sessions=('rebuilt_sessions' if is_incremental() else none)) }}

),

reached_1 as (

    select
        funnel_name,
        entry_key,
        window_end_micros,
        partition_key,
        cast(1 as {{ dbt.type_int() }}) as step_number,
        entry_event_key as event_key,
        session_key,
        entry_event_index as event_index,
        entered_at as reached_at,
        entered_at_micros as event_timestamp_micros,
        cast(null as {{ dbt.type_bigint() }}) as previous_micros,
        session_key as entry_session_key,
        session_last_event_date,
        _raw_loaded_through
    from entries

){% for k in range(2, max_steps + 1) %},

candidates_{{ k }} as (

    select
        p.funnel_name,
        p.entry_key,
        p.window_end_micros,
        p.partition_key,
        c.step_number,
        c.event_key,
        c.session_key,
        c.event_index,
        c.event_at as reached_at,
        c.event_timestamp_micros,
        p.event_timestamp_micros as previous_micros,
        p.entry_session_key,
        p.session_last_event_date,
        p._raw_loaded_through,
        cast(row_number() over (
            partition by p.funnel_name, p.entry_key
            order by c.event_timestamp_micros, c.session_key, c.event_index
        ) as bigint) as candidate_rank
    from reached_{{ k - 1 }} as p
    inner join step_events as c
        on c.funnel_name = p.funnel_name
        and c.partition_key = p.partition_key
        and c.step_number = {{ k }}
    where {{ journey.funnel_event_after('c', 'p') }}
        and (p.window_end_micros is null or c.event_timestamp_micros < p.window_end_micros)

),

reached_{{ k }} as (

    select
        funnel_name, entry_key, window_end_micros, partition_key, step_number, event_key, session_key,
        event_index, reached_at, event_timestamp_micros, previous_micros, entry_session_key,
        session_last_event_date, _raw_loaded_through
    from candidates_{{ k }}
    where candidate_rank = 1

){% endfor %},

reached as (
{% for k in range(1, max_steps + 1) %}
    select * from reached_{{ k }}
    {{ "union all" if not loop.last }}
{%- endfor %}

),

steps as (

    {{ journey.funnel_steps_sql() }}

)

select
    reached.funnel_name,
    reached.entry_key,
    reached.step_number,
    steps.step_name,
    steps.step_count,
    reached.step_number = steps.step_count as is_last_step,
    reached.event_key,
    reached.session_key,
    reached.reached_at,
    cast((reached.event_timestamp_micros - reached.previous_micros) as {{ journey.funnel_type_double() }})
        / 1000000 as seconds_from_previous_step,
    reached.entry_session_key,
    reached.session_last_event_date,
    reached._raw_loaded_through,
    cast('{{ journey.funnels_definition_hash() }}' as {{ dbt.type_string() }}) as funnels_definition_hash,
    {{ journey.invocation_id_column() }}
from reached
inner join steps
    on reached.funnel_name = steps.funnel_name
    and reached.step_number = steps.step_number
