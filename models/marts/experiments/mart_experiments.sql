{#- A/B tests (issue 11): one row per experiment and variant - exposed users, conversions,
    conversion rate, revenue per user, the difference to the control variant with its confidence
    interval and two-sided p-value (two-proportion z-test; Welch's t-test for revenue per user) and
    the experiment's sample-ratio-mismatch check. Per-user work in SQL (int_experiments__users,
    int_experiments__variants), statistics in the dbt Python model int_experiments__comparisons. -#}

with

comparisons as (

    select * from {{ ref('int_experiments__comparisons') }}

)

select
    cast(experiment_id as {{ dbt.type_string() }}) as experiment_id,
    cast(variant as {{ dbt.type_string() }}) as variant,
    cast(is_control as boolean) as is_control,
    cast(users as bigint) as users,
    cast(conversions as bigint) as conversions,
    cast(conversion_rate as double) as conversion_rate,
    cast(orders as bigint) as orders,
    cast(net_revenue as decimal(18, 2)) as net_revenue,
    cast(revenue_per_user as double) as revenue_per_user,
    cast(revenue_per_user_stddev as double) as revenue_per_user_stddev,
    cast(conversion_rate_difference as double) as conversion_rate_difference,
    cast(conversion_rate_difference_ci_low as double) as conversion_rate_difference_ci_low,
    cast(conversion_rate_difference_ci_high as double) as conversion_rate_difference_ci_high,
    cast(conversion_rate_relative_difference as double) as conversion_rate_relative_difference,
    cast(conversion_rate_relative_ci_low as double) as conversion_rate_relative_ci_low,
    cast(conversion_rate_relative_ci_high as double) as conversion_rate_relative_ci_high,
    cast(conversion_z as double) as conversion_z,
    cast(conversion_p_value as double) as conversion_p_value,
    cast(revenue_per_user_difference as double) as revenue_per_user_difference,
    cast(revenue_per_user_difference_ci_low as double) as revenue_per_user_difference_ci_low,
    cast(revenue_per_user_difference_ci_high as double) as revenue_per_user_difference_ci_high,
    cast(revenue_t as double) as revenue_t,
    cast(revenue_welch_df as double) as revenue_welch_df,
    cast(revenue_p_value as double) as revenue_p_value,
    cast(expected_share as double) as expected_share,
    cast(observed_share as double) as observed_share,
    cast(srm_chi_square as double) as srm_chi_square,
    cast(srm_p_value as double) as srm_p_value,
    cast(has_sample_ratio_mismatch as boolean) as has_sample_ratio_mismatch,
    cast(excluded_users as bigint) as excluded_users,
    cast(first_exposed_at as timestamp) as first_exposed_at,
    cast(last_exposed_at as timestamp) as last_exposed_at
from comparisons
