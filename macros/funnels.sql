{#- Configurable funnels (SPEC section 6). Funnels come from var `funnels` (dbt_project.yml); the funnel
    models loop over it with Jinja, so a new funnel needs no SQL. Portable SQL (dbt cross-db macros);
    engine-specific pieces go through adapter.dispatch('<name>', 'journey'):
    funnel_day_window_entries, journey.median (macros/aggregates.sql), and journey.regexp_like (macros/channels.sql). -#}

{#- The default funnel, used when var `funnels` is not set. -#}
{% macro funnel_default_definitions() -%}
    {{ return([{
        'name': 'ecommerce',
        'window': 'session',
        'steps': [
            {'name': 'session_start', 'event': 'session_start'},
            {'name': 'view_item', 'event': 'view_item'},
            {'name': 'add_to_cart', 'event': 'add_to_cart'},
            {'name': 'begin_checkout', 'event': 'begin_checkout'},
            {'name': 'add_payment_info', 'event': 'add_payment_info'},
            {'name': 'purchase', 'event': 'purchase'},
        ],
    }]) }}
{%- endmacro %}

{#- Validated, normalised funnels: list of {name, window_days (none = same session), window_label,
    steps: [{number, name, event, page_path_pattern, channel}]}. -#}
{% macro funnel_definitions() -%}
    {%- set raw = var('funnels', none) -%}
    {%- if raw is none -%}{%- set raw = journey.funnel_default_definitions() -%}{%- endif -%}
    {%- if raw is mapping -%}{%- set raw = [raw] -%}{%- endif -%}
    {%- set out = [] -%}
    {%- set seen = [] -%}
    {%- for f in raw -%}
        {%- if f.get('name') is none -%}
            {{ exceptions.raise_compiler_error("var funnels: every funnel needs a name") }}
        {%- endif -%}
        {%- set fname = f['name'] | string -%}
        {%- if fname in seen -%}
            {{ exceptions.raise_compiler_error("var funnels: duplicate funnel name " ~ fname) }}
        {%- endif -%}
        {%- do seen.append(fname) -%}
        {%- set window = f.get('window', 'session') -%}
        {%- if window is none or (window is string and window | lower | trim == 'session') -%}
            {%- set days = none -%}
        {%- else -%}
            {%- set days = window | int -%}
            {%- if days <= 0 -%}
                {{ exceptions.raise_compiler_error("var funnels: funnel " ~ fname ~ ": window must be 'session' or a positive number of days, got " ~ window) }}
            {%- endif -%}
        {%- endif -%}
        {%- set steps = [] -%}
        {%- for s in f.get('steps', []) -%}
            {%- if s is string -%}{%- set s = {'event': s} -%}{%- endif -%}
            {%- if s.get('event') is none -%}
                {{ exceptions.raise_compiler_error("var funnels: funnel " ~ fname ~ ": step " ~ loop.index ~ " needs an event") }}
            {%- endif -%}
            {%- do steps.append({
                'number': loop.index,
                'name': (s.get('name') or s['event']) | string,
                'event': s['event'] | string,
                'page_path_pattern': s.get('page_path_pattern'),
                'channel': s.get('channel'),
            }) -%}
        {%- endfor -%}
        {%- if steps | length == 0 -%}
            {{ exceptions.raise_compiler_error("var funnels: funnel " ~ fname ~ " has no steps") }}
        {%- endif -%}
        {%- do out.append({
            'name': fname,
            'window_days': days,
            'window_label': 'session' if days is none else (days ~ ' days'),
            'steps': steps,
        }) -%}
    {%- endfor -%}
    {%- if out | length == 0 -%}
        {{ exceptions.raise_compiler_error("var funnels is empty") }}
    {%- endif -%}
    {{ return(out) }}
{%- endmacro %}

{#- A SQL string literal. -#}
{% macro funnel_literal(value) -%}
    '{{ (value | string).replace("'", "''") }}'
{%- endmacro %}

{#- The funnel models are incremental (README "Incremental runs") when every funnel is a session
    funnel without a channel step, on engines with DELETE (not Spark's Parquet tables): such an entry
    depends only on its own session's events. An N-day funnel follows a customer_key, which an
    identity merge can change for sessions of any age, and a channel step follows the channel seeds,
    which relabel old sessions: with either, the funnel models are tables rebuilt every run. -#}
{% macro funnels_incremental() -%}
    {%- set funnels = journey.funnel_definitions() -%}
    {%- set day_funnels = funnels | selectattr('window_days') | list -%}
    {%- set channel_steps = [] -%}
    {%- for f in funnels -%}
        {%- do channel_steps.extend(f['steps'] | rejectattr('channel', 'none') | list) -%}
    {%- endfor -%}
    {{ return(target.type != 'spark' and day_funnels | length == 0 and channel_steps | length == 0) }}
{%- endmacro %}

{#- Hash of the funnel definitions (var `funnels` as validated): stored in every row of the
    incremental funnel models, whose incremental runs rebuild everything when a row carries another
    (config reprocess_all_when, macros/incremental.sql), so editing a funnel needs no full refresh. -#}
{% macro funnels_definition_hash() -%}
    {{ return(local_md5(tojson(journey.funnel_definitions()))) }}
{%- endmacro %}

{#- A previous row built with other funnel definitions (or before the hash existed). -#}
{% macro funnels_reprocess_all_when() -%}
    {{ return("coalesce(funnels_definition_hash, '') <> '" ~ journey.funnels_definition_hash() ~ "'") }}
{%- endmacro %}

{#- Config of the funnel models: when incremental, rows are replaced per entry session (column
    `session_column`) and by the session's newest event date (int_ga4__sessions.last_event_date), like
    int_ga4__sessions. -#}
{% macro funnels_model_config(session_column) -%}
    {%- if journey.funnels_incremental() -%}
        {{ return({
            'materialized': 'incremental',
            'incremental_strategy': 'reprocess_window',
            'unique_key': session_column,
            'reprocess_date_column': 'session_last_event_date',
            'reprocess_all_when': journey.funnels_reprocess_all_when(),
            'reprocess_upstream': {'ref': 'int_ga4__sessions', 'date_column': 'last_event_date'},
        }) }}
    {%- endif -%}
    {{ return({'materialized': 'table'}) }}
{%- endmacro %}

{#- Incremental run of a funnel model: CTEs reprocess_window and rebuilt_sessions (followed by a
    comma), journey.rebuilt_sessions_ctes with the funnel definitions' hash as reprocess_all_when.
    Every session int_ga4__session_events rebuilt is among them (its window starts no earlier than
    this one). A previous build made before these columns existed is rebuilt whole. -#}
{% macro funnel_rebuilt_sessions(relation, session_column) -%}
    {#- `relation` is a plain name (a fixture) in dbt unit tests -#}
    {%- if relation is string or not execute -%}
        {%- set built_by_this_version = true -%}
    {%- else -%}
        {%- set built_columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
        {%- set built_by_this_version = 'funnels_definition_hash' in built_columns -%}
    {%- endif -%}
    {{ journey.rebuilt_sessions_ctes(
        relation,
        session_column,
        reprocess_all_when=journey.funnels_reprocess_all_when(),
        rebuild_all=not built_by_this_version,
    ) }}
{%- endmacro %}

{#- Largest number of steps over all funnels. -#}
{% macro funnel_max_steps() -%}
    {%- set n = [] -%}
    {%- for f in journey.funnel_definitions() -%}{%- do n.append(f['steps'] | length) -%}{%- endfor -%}
    {{ return(n | max) }}
{%- endmacro %}

{#- One row per funnel step: funnel_name, step_number, step_name, step_count (steps in the funnel),
    funnel_window, window_days. -#}
{% macro funnel_steps_sql() -%}
    {%- set parts = [] -%}
    {%- for f in journey.funnel_definitions() -%}{%- for s in f['steps'] -%}
        {%- do parts.append((f, s)) -%}
    {%- endfor -%}{%- endfor -%}
    {%- for f, s in parts %}
    select
        cast({{ journey.funnel_literal(f['name']) }} as {{ dbt.type_string() }}) as funnel_name,
        cast({{ s['number'] }} as {{ dbt.type_int() }}) as step_number,
        cast({{ journey.funnel_literal(s['name']) }} as {{ dbt.type_string() }}) as step_name,
        cast({{ f['steps'] | length }} as {{ dbt.type_int() }}) as step_count,
        cast({{ journey.funnel_literal(f['window_label']) }} as {{ dbt.type_string() }}) as funnel_window,
        cast({{ f['window_days'] if f['window_days'] is not none else 'null' }} as {{ dbt.type_int() }}) as window_days
    {{ "union all" if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Candidate events of funnel steps: one row per (funnel, step, matching consented event), with the
    funnel's partition key (session_key for session funnels, customer_key for N-day funnels).
    Only steps with step_number <= max_step (all when none), and only events of the sessions in CTE
    `rebuilt_sessions` when given. Reads int_ga4__session_events once, filtered to the configured
    event names, joined to int_ga4__sessions for the session's date, channel and newest event date,
    and, when an N-day funnel is configured, to fct_sessions for its customer (null otherwise). -#}
{% macro funnel_step_events_sql(max_step=none, rebuilt_sessions=none) -%}
    {%- set funnels = journey.funnel_definitions() -%}
    {%- set has_day_funnels = funnels | selectattr('window_days') | list | length > 0 -%}
    {%- set events = [] -%}
    {%- for f in funnels -%}{%- for s in f['steps'] -%}
        {%- if s['event'] not in events and (max_step is none or s['number'] <= max_step) -%}{%- do events.append(s['event']) -%}{%- endif -%}
    {%- endfor -%}{%- endfor -%}
    with funnel_source_events as (
        select
            e.event_key,
            e.session_key,
            e.event_index,
            e.event_at,
            e.event_timestamp_micros,
            e.event_name,
            e.page_path,
            {{ 'customers.customer_key' if has_day_funnels else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as customer_key,
            s.channel_group,
            s.session_date,
            s.last_event_date as session_last_event_date,
            s._raw_loaded_through
        from {{ ref('int_ga4__session_events') }} as e
        inner join {{ ref('int_ga4__sessions') }} as s
            on e.session_key = s.session_key
        {%- if has_day_funnels %}
        inner join {{ ref('fct_sessions') }} as customers
            on e.session_key = customers.session_key
        {%- endif %}
        where e.event_name in ({%- for ev in events -%}{{ journey.funnel_literal(ev) }}{{ ", " if not loop.last }}{%- endfor -%})
        {%- if rebuilt_sessions %}
            and e.session_key in (select session_key from {{ rebuilt_sessions }})
        {%- endif %}
    )
    {% set parts = [] -%}
    {%- for f in funnels -%}{%- for s in f['steps'] if (max_step is none or s['number'] <= max_step) -%}
        {%- do parts.append((f, s)) -%}
    {%- endfor -%}{%- endfor -%}
    {%- for f, s in parts %}
    select
        cast({{ journey.funnel_literal(f['name']) }} as {{ dbt.type_string() }}) as funnel_name,
        cast({{ s['number'] }} as {{ dbt.type_int() }}) as step_number,
        cast({{ journey.funnel_literal(s['name']) }} as {{ dbt.type_string() }}) as step_name,
        cast({{ f['window_days'] if f['window_days'] is not none else 'null' }} as {{ dbt.type_int() }}) as window_days,
        {{ 'session_key' if f['window_days'] is none else 'customer_key' }} as partition_key,
        event_key,
        session_key,
        customer_key,
        session_date,
        session_last_event_date,
        _raw_loaded_through,
        event_index,
        event_at,
        event_timestamp_micros
    from funnel_source_events
    where event_name = {{ journey.funnel_literal(s['event']) }}
        {%- if s['page_path_pattern'] is not none %}
        and coalesce({{ journey.regexp_like('page_path', journey.funnel_literal(s['page_path_pattern'])) }}, false)
        {%- endif %}
        {%- if s['channel'] is not none %}
        and channel_group = {{ journey.funnel_literal(s['channel']) }}
        {%- endif %}
    {{ "union all" if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Boolean SQL: event c comes strictly after event p: later in time, or the same micro-second and
    later in the same session's event order. -#}
{% macro funnel_event_after(c, p) -%}
    ({{ c }}.event_timestamp_micros > {{ p }}.event_timestamp_micros
        or ({{ c }}.event_timestamp_micros = {{ p }}.event_timestamp_micros
            and {{ c }}.session_key = {{ p }}.session_key
            and {{ c }}.event_index > {{ p }}.event_index))
{%- endmacro %}

{#- Entries of N-day (customer-level) funnels. `candidates` is a relation/CTE with one row per
    (funnel_name, customer_key, session) whose step-1 event could open an entry: columns funnel_name,
    customer_key, session_key, event_timestamp_micros, window_days. A candidate opens a new entry when
    it is the customer's first, or when it comes at or after the end of the window of the previous
    entry (entered + window_days). Returns the rows that open an entry (all candidate columns).
    Default: a recursive CTE walking each customer's candidates in time order (standard SQL;
    DuckDB, Postgres, Snowflake, BigQuery). -#}
{% macro funnel_day_window_entries(candidates) -%}
    {{ return(adapter.dispatch('funnel_day_window_entries', 'journey')(candidates)) }}
{%- endmacro %}

{% macro default__funnel_day_window_entries(candidates) -%}
    (
        with recursive numbered as (
            select
                c.*,
                row_number() over (
                    partition by c.funnel_name, c.customer_key
                    order by c.event_timestamp_micros, c.session_key
                ) as candidate_number
            from {{ candidates }} as c
        ),

        walk (funnel_name, customer_key, candidate_number, open_micros, opens_entry) as (
            select funnel_name, customer_key, candidate_number, event_timestamp_micros, true
            from numbered
            where candidate_number = 1
            union all
            select
                n.funnel_name,
                n.customer_key,
                n.candidate_number,
                case
                    when n.event_timestamp_micros >= w.open_micros + cast(n.window_days as {{ dbt.type_bigint() }}) * 86400000000
                        then n.event_timestamp_micros
                    else w.open_micros
                end,
                n.event_timestamp_micros >= w.open_micros + cast(n.window_days as {{ dbt.type_bigint() }}) * 86400000000
            from walk as w
            inner join numbered as n
                on n.funnel_name = w.funnel_name
                and n.customer_key = w.customer_key
                and n.candidate_number = w.candidate_number + 1
        )

        select numbered.*
        from numbered
        inner join walk
            on numbered.funnel_name = walk.funnel_name
            and numbered.customer_key = walk.customer_key
            and numbered.candidate_number = walk.candidate_number
        where walk.opens_entry
    )
{%- endmacro %}

{#- A double-precision float type (dbt.type_float() is single precision on DuckDB). -#}
{% macro funnel_type_double() -%}
    {{ return(adapter.dispatch('funnel_type_double', 'journey')()) }}
{%- endmacro %}

{% macro default__funnel_type_double() -%}
    {{ dbt.type_float() }}
{%- endmacro %}

{% macro duckdb__funnel_type_double() -%}
    double
{%- endmacro %}

{% macro spark__funnel_type_double() -%}
    double
{%- endmacro %}
