{#- marts.mart_experiments: every interval contains its estimate, p-values and shares lie in [0, 1],
    the control row has no difference and the users per experiment add up to int_experiments__users
    (excluded users counted apart). Returns the rows that break it. An asset check of
    mart_experiments in Dagster (meta dagster.ref). -#}

{{ config(meta={'dagster': {'ref': {'name': 'mart_experiments'}}}) }}

with

mart as (

    select * from {{ ref('mart_experiments') }}

),

users as (

    select experiment_id, count(*) as exposed_users
    from {{ ref('int_experiments__users') }}
    group by experiment_id

),

totals as (

    select experiment_id, sum(users) + max(excluded_users) as users
    from mart
    group by experiment_id

)

select
    mart.experiment_id,
    mart.variant,
    'interval, p-value or share out of range' as problem
from mart
where mart.conversion_rate_difference_ci_low > mart.conversion_rate_difference
    or mart.conversion_rate_difference_ci_high < mart.conversion_rate_difference
    or mart.revenue_per_user_difference_ci_low > mart.revenue_per_user_difference
    or mart.revenue_per_user_difference_ci_high < mart.revenue_per_user_difference
    or mart.conversion_p_value < 0 or mart.conversion_p_value > 1
    or mart.revenue_p_value < 0 or mart.revenue_p_value > 1
    or mart.srm_p_value < 0 or mart.srm_p_value > 1
    or mart.observed_share < 0 or mart.observed_share > 1
    or (mart.is_control and mart.conversion_rate_difference is not null)

union all

select
    totals.experiment_id,
    null as variant,
    'users do not add up to int_experiments__users' as problem
from totals
inner join users
    on users.experiment_id = totals.experiment_id
where totals.users <> users.exposed_users
