{#- Friction points (issue 11): "where do buyers hesitate?" as a ranked table. One row per friction
    point with entrants in the latest reporting period (var journey_map_period): every journey-map
    cell (stage x touchpoint of mart_journey_map, all personas added up; advocacy has no next stage)
    and every funnel step transition (step k -> k+1 of mart_funnel_daily, entries added up per
    period of their entry day). For the latest period (the last period either source has) and the
    period before it: entrants, lost (entrants who did not move on: customers for journey-map cells,
    funnel entries for funnel steps), drop-off (lost / entrants) and the change in drop-off. Ranked
    by var friction_points_rank_by: volume_lost (default, the most entrants lost now), drop_off (the
    highest drop-off now) or drop_off_change (the largest increase); only points with at least var
    friction_points_min_entrants entrants now are ranked (rank null otherwise). Journey-map windows
    of the latest period may still be open (customers_window_open_now): their drop-off is provisional. -#}

{%- set rank_by = var('friction_points_rank_by', 'volume_lost') | string | trim | lower -%}
{%- set rank_columns = {
    'volume_lost': ['lost_now', 'drop_off_now'],
    'drop_off': ['drop_off_now', 'lost_now'],
    'drop_off_change': ['drop_off_change', 'lost_now'],
} -%}
{%- if rank_by not in rank_columns -%}
    {{ exceptions.raise_compiler_error("var friction_points_rank_by must be one of volume_lost, drop_off, drop_off_change, got " ~ var('friction_points_rank_by')) }}
{%- endif -%}
{%- set min_entrants = var('friction_points_min_entrants', 5) | int -%}

with

journey_map_cells as (

    select
        period_start,
        'journey_map' as source,
        stage,
        stage_number,
        channel,
        touch_type,
        cast(null as {{ dbt.type_string() }}) as funnel_name,
        cast(null as {{ dbt.type_int() }}) as step_number,
        cast(null as {{ dbt.type_string() }}) as from_step,
        cast(null as {{ dbt.type_string() }}) as to_step,
        sum(customers_reached) as entrants,
        sum(customers_moved_on) as moved_on,
        sum(customers_window_open) as window_open
    from {{ ref('mart_journey_map') }}
    where next_stage_rate is not null
    group by 1, 2, 3, 4, 5, 6

),

funnel_steps as (

    select distinct
        funnel_name,
        step_number,
        step_name
    from {{ ref('mart_funnel_daily') }}

),

funnel_counts as (

    select
        {{ journey.journey_period_start_of_date('entry_date') }} as period_start,
        funnel_name,
        step_number,
        sum(entrants) as entrants,
        sum(completions) as completions
    from {{ ref('mart_funnel_daily') }}
    where completions is not null
    group by 1, 2, 3

),

funnel_transitions as (

    select
        funnel_counts.period_start,
        'funnel' as source,
        cast(null as {{ dbt.type_string() }}) as stage,
        cast(null as {{ dbt.type_int() }}) as stage_number,
        cast(null as {{ dbt.type_string() }}) as channel,
        cast(null as {{ dbt.type_string() }}) as touch_type,
        funnel_counts.funnel_name,
        funnel_counts.step_number,
        from_steps.step_name as from_step,
        to_steps.step_name as to_step,
        funnel_counts.entrants,
        funnel_counts.completions as moved_on,
        0 as window_open
    from funnel_counts
    inner join funnel_steps as from_steps
        on funnel_counts.funnel_name = from_steps.funnel_name
        and funnel_counts.step_number = from_steps.step_number
    inner join funnel_steps as to_steps
        on funnel_counts.funnel_name = to_steps.funnel_name
        and funnel_counts.step_number + 1 = to_steps.step_number
    where funnel_counts.entrants > 0

),

points as (

    select * from journey_map_cells
    union all
    select * from funnel_transitions

),

latest as (

    select
        max(period_start) as period_start,
        {{ journey.journey_period_add('max(period_start)', -1) }} as previous_period_start
    from points

),

compared as (

    select
        points.source,
        points.stage,
        points.stage_number,
        points.channel,
        points.touch_type,
        points.funnel_name,
        points.step_number,
        points.from_step,
        points.to_step,
        max(latest.period_start) as period_start,
        max(latest.previous_period_start) as previous_period_start,
        sum(case when points.period_start = latest.period_start then points.entrants else 0 end) as entrants_now,
        sum(case when points.period_start = latest.period_start then points.entrants - points.moved_on else 0 end) as lost_now,
        sum(case when points.period_start = latest.period_start then points.window_open else 0 end) as window_open_now,
        sum(case when points.period_start = latest.previous_period_start then points.entrants else 0 end) as entrants_before,
        sum(case when points.period_start = latest.previous_period_start then points.entrants - points.moved_on else 0 end) as lost_before
    from points
    cross join latest
    where points.period_start in (latest.period_start, latest.previous_period_start)
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9

),

measured as (

    select
        compared.*,
        cast(lost_now as {{ journey.attribution_type_double() }}) / nullif(entrants_now, 0) as drop_off_now,
        cast(lost_before as {{ journey.attribution_type_double() }}) / nullif(entrants_before, 0) as drop_off_before
    from compared
    where entrants_now > 0

),

with_change as (

    select
        measured.*,
        drop_off_now - drop_off_before as drop_off_change,
        case
            when source = 'journey_map'
                then {{ dbt.concat(["'journey map: '", 'stage', "' | '", 'channel', "' / '", 'touch_type']) }}
            else {{ dbt.concat(["'funnel '", 'funnel_name', "': '", 'from_step', "' -> '", 'to_step']) }}
        end as friction_point
    from measured

),

ranked as (

    select
        with_change.*,
        case
            when entrants_now >= {{ min_entrants }}
                then cast(row_number() over (
                    order by
                        case when entrants_now >= {{ min_entrants }} then 0 else 1 end,
                        {%- for column in rank_columns[rank_by] %}
                        case when {{ column }} is null then 1 else 0 end,
                        {{ column }} desc,
                        {%- endfor %}
                        friction_point
                ) as bigint)
        end as friction_rank
    from with_change

)

select
    {{ journey.surrogate_key(['source', 'friction_point']) }} as friction_point_key,
    cast(friction_rank as {{ dbt.type_bigint() }}) as friction_rank,
    cast(friction_point as {{ dbt.type_string() }}) as friction_point,
    cast(source as {{ dbt.type_string() }}) as source,
    cast(stage as {{ dbt.type_string() }}) as stage,
    cast(stage_number as {{ dbt.type_int() }}) as stage_number,
    cast(channel as {{ dbt.type_string() }}) as channel,
    cast(touch_type as {{ dbt.type_string() }}) as touch_type,
    cast(funnel_name as {{ dbt.type_string() }}) as funnel_name,
    cast(step_number as {{ dbt.type_int() }}) as step_number,
    cast(from_step as {{ dbt.type_string() }}) as from_step,
    cast(to_step as {{ dbt.type_string() }}) as to_step,
    cast(period_start as date) as period_start,
    cast(previous_period_start as date) as previous_period_start,
    cast(entrants_now as {{ dbt.type_bigint() }}) as entrants_now,
    cast(lost_now as {{ dbt.type_bigint() }}) as lost_now,
    cast(drop_off_now as {{ journey.attribution_type_double() }}) as drop_off_now,
    cast(entrants_before as {{ dbt.type_bigint() }}) as entrants_before,
    cast(lost_before as {{ dbt.type_bigint() }}) as lost_before,
    cast(drop_off_before as {{ journey.attribution_type_double() }}) as drop_off_before,
    cast(drop_off_change as {{ journey.attribution_type_double() }}) as drop_off_change,
    cast(window_open_now as {{ dbt.type_bigint() }}) as customers_window_open_now
from ranked
