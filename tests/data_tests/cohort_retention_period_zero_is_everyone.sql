{#- SPEC 8: in its acquisition period (period 0) every customer of a cohort is active, so the
    retention rate is exactly 1. Returns the cohorts where it is not. -#}

select
    cohort_grain,
    first_touch_channel,
    cohort_start_date,
    cohort_size,
    active_customers,
    retention_rate
from {{ ref('mart_cohort_retention') }}
where period_number = 0
    and (active_customers <> cohort_size or retention_rate <> 1)
