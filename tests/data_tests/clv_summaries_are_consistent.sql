{#- SPEC 9 summaries: 0 <= t_x <= T, t_x = 0 exactly when x = 0, x = purchase days - 1, and m
    present exactly when x > 0. Returns the customers that break it. -#}

select
    customer_key,
    x,
    t_x,
    age_t,
    m
from {{ ref('int_customers__clv_summaries') }}
where x < 0
    or x <> purchase_days - 1
    or t_x < 0
    or t_x > age_t
    or (x = 0) <> (t_x = 0)
    or (x = 0) <> (m is null)
