{#- One row per experiment and exposed user (user_pseudo_id, the unit GA4 A/B tools randomise):
    the variant, the first exposure (the user's first consented event carrying both the experiment
    param, var experiment_id_param, and the variant param, var experiment_variant_param), whether
    and when the user converted (an event named var experiment_conversion_event at or after the
    first exposure) and the non-cancelled orders bought on the device since then (fct_orders via
    the GA4 session of the purchase, net revenue in the reporting currency). A user reported in more
    than one variant of the same experiment has no variant and is left out of the comparison. -#}

with

events as (

    select
        user_pseudo_id,
        event_name,
        event_at,
        event_timestamp_micros,
        experiment_id,
        experiment_variant
    from {{ ref('stg_ga4__events') }}
    where {{ journey.ga4_consent_filter('has_analytics_consent') }}

),

exposures as (

    select
        experiment_id,
        user_pseudo_id,
        min(event_timestamp_micros) as first_exposure_micros,
        min(event_at) as first_exposed_at,
        count(distinct experiment_variant) as variants_seen,
        min(experiment_variant) as first_variant
    from events
    where experiment_id is not null
        and experiment_variant is not null
    group by experiment_id, user_pseudo_id

),

conversions as (

    select
        exposures.experiment_id,
        exposures.user_pseudo_id,
        min(events.event_at) as first_converted_at,
        count(*) as conversion_events
    from exposures
    inner join events
        on events.user_pseudo_id = exposures.user_pseudo_id
        and events.event_name = '{{ var("experiment_conversion_event", "select_promotion") }}'
        and events.event_timestamp_micros >= exposures.first_exposure_micros
    group by exposures.experiment_id, exposures.user_pseudo_id

),

device_orders as (

    -- Orders bought on a device: the order's GA4 purchase session (fct_orders.session_key).
    select
        sessions.user_pseudo_id,
        orders.ordered_at,
        orders.net_revenue_reporting
    from {{ ref('fct_orders') }} as orders
    inner join {{ ref('int_ga4__sessions') }} as sessions
        on sessions.session_key = orders.session_key
    where not orders.is_cancelled

),

revenue as (

    select
        exposures.experiment_id,
        exposures.user_pseudo_id,
        count(*) as orders,
        sum(device_orders.net_revenue_reporting) as net_revenue
    from exposures
    inner join device_orders
        on device_orders.user_pseudo_id = exposures.user_pseudo_id
        and device_orders.ordered_at >= exposures.first_exposed_at
    group by exposures.experiment_id, exposures.user_pseudo_id

)

select
    exposures.experiment_id,
    exposures.user_pseudo_id,
    case when exposures.variants_seen = 1 then exposures.first_variant end as variant,
    exposures.variants_seen > 1 as has_multiple_variants,
    exposures.first_exposed_at,
    conversions.user_pseudo_id is not null as has_converted,
    conversions.first_converted_at,
    coalesce(conversions.conversion_events, 0) as conversion_events,
    coalesce(revenue.orders, 0) as orders,
    cast(coalesce(revenue.net_revenue, 0) as decimal(18, 2)) as net_revenue
from exposures
left join conversions
    on conversions.experiment_id = exposures.experiment_id
    and conversions.user_pseudo_id = exposures.user_pseudo_id
left join revenue
    on revenue.experiment_id = exposures.experiment_id
    and revenue.user_pseudo_id = exposures.user_pseudo_id
