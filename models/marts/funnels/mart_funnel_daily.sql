{#- Funnel report by funnel, step, entry day, channel group, device category and country (SPEC
    section 6). Every step of every configured funnel gets a row for each (day, channel, device,
    country) with at least one entry, also when no entry reached the step (entrants 0). -#}

with

entries as (

    select * from {{ ref('fct_funnel_entries') }}

),

step_reached as (

    select * from {{ ref('int_funnels__step_reached') }}

),

steps as (

    {{ journey.funnel_steps_sql() }}

),

groups as (

    select distinct funnel_name, entry_date, channel_group, device_category, country
    from entries

),

grid as (

    select
        groups.funnel_name,
        steps.step_number,
        steps.step_name,
        steps.step_count,
        groups.entry_date,
        groups.channel_group,
        groups.device_category,
        groups.country
    from groups
    inner join steps
        on groups.funnel_name = steps.funnel_name

),

reached_counts as (

    select
        entries.funnel_name,
        step_reached.step_number,
        entries.entry_date,
        entries.channel_group,
        entries.device_category,
        entries.country,
        count(*) as reached,
        {{ journey.median('step_reached.seconds_from_previous_step') }} as median_seconds_from_previous_step
    from step_reached
    inner join entries
        on step_reached.entry_key = entries.entry_key
    group by 1, 2, 3, 4, 5, 6

),

counted as (

    select
        grid.*,
        coalesce(reached_counts.reached, 0) as reached,
        reached_counts.median_seconds_from_previous_step
    from grid
    left join reached_counts
        on grid.funnel_name = reached_counts.funnel_name
        and grid.step_number = reached_counts.step_number
        and grid.entry_date = reached_counts.entry_date
        and grid.channel_group is not distinct from reached_counts.channel_group
        and grid.device_category is not distinct from reached_counts.device_category
        and grid.country is not distinct from reached_counts.country

),

with_neighbours as (

    select
        counted.*,
        lag(reached) over (
            partition by funnel_name, entry_date, channel_group, device_category, country
            order by step_number
        ) as reached_previous,
        lead(reached) over (
            partition by funnel_name, entry_date, channel_group, device_category, country
            order by step_number
        ) as reached_next,
        first_value(reached) over (
            partition by funnel_name, entry_date, channel_group, device_category, country
            order by step_number
            rows between unbounded preceding and unbounded following
        ) as reached_first
    from counted

)

select
    cast(funnel_name as {{ dbt.type_string() }}) as funnel_name,
    cast(step_number as {{ dbt.type_int() }}) as step_number,
    cast(step_name as {{ dbt.type_string() }}) as step_name,
    cast(step_count as {{ dbt.type_int() }}) as step_count,
    cast(entry_date as date) as entry_date,
    cast(channel_group as {{ dbt.type_string() }}) as channel_group,
    cast(device_category as {{ dbt.type_string() }}) as device_category,
    cast(country as {{ dbt.type_string() }}) as country,
    cast(reached as {{ dbt.type_bigint() }}) as entrants,
    cast(reached_next as {{ dbt.type_bigint() }}) as completions,
    cast(
        case
            when step_number = 1 then 1.0
            when reached_previous > 0 then cast(reached as {{ journey.funnel_type_double() }}) / reached_previous
        end
        as {{ journey.funnel_type_double() }}
    ) as step_conversion,
    cast(
        case when reached_first > 0 then cast(reached as {{ journey.funnel_type_double() }}) / reached_first end
        as {{ journey.funnel_type_double() }}
    ) as overall_conversion,
    cast(coalesce(reached_previous - reached, 0) as {{ dbt.type_bigint() }}) as drop_off,
    cast(median_seconds_from_previous_step as {{ journey.funnel_type_double() }}) as median_seconds_from_previous_step
from with_neighbours
