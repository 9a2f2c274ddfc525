{#- One row per calendar day from var time_spine_start to time_spine_end: the calendar BI tools
    join to, and MetricFlow's time spine (metric_time). -#}

with

days as (

    {{ dbt.date_spine(
        'day',
        "cast('" ~ var('time_spine_start', '2015-01-01') ~ "' as date)",
        "cast('" ~ var('time_spine_end', '2036-01-01') ~ "' as date)"
    ) }}

)

select cast(date_day as date) as date_day
from days
