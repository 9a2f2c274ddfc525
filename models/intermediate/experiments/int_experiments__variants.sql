{#- One row per experiment and variant: the per-variant aggregates the statistics need (users,
    converted users, sum and sum of squares of net revenue per user), from int_experiments__users
    without the users seen in more than one variant (counted per experiment in
    excluded_users). -#}

with

users as (

    select * from {{ ref('int_experiments__users') }}

),

excluded as (

    select
        experiment_id,
        sum(case when has_multiple_variants then 1 else 0 end) as excluded_users
    from users
    group by experiment_id

),

variants as (

    select
        experiment_id,
        variant,
        count(*) as users,
        sum(case when has_converted then 1 else 0 end) as conversions,
        sum(orders) as orders,
        cast(sum(net_revenue) as double) as net_revenue,
        sum(cast(net_revenue as double) * cast(net_revenue as double)) as net_revenue_squares,
        min(first_exposed_at) as first_exposed_at,
        max(first_exposed_at) as last_exposed_at
    from users
    where not has_multiple_variants
    group by experiment_id, variant

)

select
    variants.experiment_id,
    variants.variant,
    variants.users,
    variants.conversions,
    variants.orders,
    variants.net_revenue,
    variants.net_revenue_squares,
    variants.first_exposed_at,
    variants.last_exposed_at,
    excluded.excluded_users
from variants
inner join excluded
    on excluded.experiment_id = variants.experiment_id
