{#- One row per funnel entry with how far it got (SPEC section 6), and the entry session's channel,
    device and country. Join customer_key to dim_customers for any customer attribute (persona,
    segment, lifecycle) without a new model. -#}

with

entries as (

    select * from {{ ref('int_funnels__entries') }}

),

step_reached as (

    select * from {{ ref('int_funnels__step_reached') }}

),

reached as (

    select
        entry_key,
        max(step_number) as steps_reached,
        max(step_count) as step_count,
        max(case when is_last_step then reached_at end) as completed_at,
        sum(coalesce(seconds_from_previous_step, 0)) as seconds_from_entry_to_furthest_step
    from step_reached
    group by entry_key

),

sessions as (

    select
        session_key, customer_key, default_channel_group, channel_group, device_category, country,
        source, medium, campaign
    from {{ ref('fct_sessions') }}

)

select
    entries.entry_key,
    entries.funnel_name,
    entries.funnel_window,
    entries.window_days,
    entries.session_key,
    sessions.customer_key,
    entries.entered_at,
    entries.entry_date,
    sessions.default_channel_group,
    sessions.channel_group,
    sessions.device_category,
    sessions.country,
    sessions.source,
    sessions.medium,
    sessions.campaign,
    reached.step_count,
    cast(reached.steps_reached as {{ dbt.type_int() }}) as steps_reached,
    furthest.step_name as furthest_step_name,
    reached.steps_reached = reached.step_count as is_completed,
    reached.completed_at,
    case
        -- rounded to the micro-second the gaps are measured in: the sum of doubles depends on row order
        when reached.steps_reached = reached.step_count then round(reached.seconds_from_entry_to_furthest_step, 6)
    end as seconds_to_complete
from entries
inner join reached
    on entries.entry_key = reached.entry_key
inner join step_reached as furthest
    on reached.entry_key = furthest.entry_key
    and reached.steps_reached = furthest.step_number
left join sessions
    on entries.session_key = sessions.session_key
