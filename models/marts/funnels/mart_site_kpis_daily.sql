{#- Site KPIs per session day (reporting time zone) and channel group (SPEC section 6), from
    fct_sessions. Rates are null when their denominator is 0. -#}

with

sessions as (

    select * from {{ ref('fct_sessions') }}

),

daily as (

    select
        session_date,
        channel_group,
        count(*) as sessions,
        sum({{ journey.flag_int('is_engaged') }}) as engaged_sessions,
        sum({{ journey.flag_int('has_purchase') }}) as purchasing_sessions,
        sum({{ journey.flag_int('has_add_to_cart') }}) as add_to_cart_sessions,
        sum({{ journey.flag_int('has_add_to_cart and has_purchase') }}) as add_to_cart_purchasing_sessions,
        sum({{ journey.flag_int('has_begin_checkout') }}) as begin_checkout_sessions,
        sum({{ journey.flag_int('has_begin_checkout and has_purchase') }}) as begin_checkout_purchasing_sessions,
        sum(coalesce(page_views, 0)) as page_views,
        sum(coalesce(engagement_seconds, 0)) as engagement_seconds
    from sessions
    group by 1, 2

)

select
    cast(session_date as date) as session_date,
    cast(channel_group as {{ dbt.type_string() }}) as channel_group,
    cast(sessions as {{ dbt.type_bigint() }}) as sessions,
    cast(engaged_sessions as {{ dbt.type_bigint() }}) as engaged_sessions,
    cast(1 - cast(engaged_sessions as {{ journey.funnel_type_double() }}) / sessions as {{ journey.funnel_type_double() }}) as bounce_rate,
    cast(purchasing_sessions as {{ dbt.type_bigint() }}) as purchasing_sessions,
    cast(cast(purchasing_sessions as {{ journey.funnel_type_double() }}) / sessions as {{ journey.funnel_type_double() }}) as conversion_rate,
    cast(add_to_cart_sessions as {{ dbt.type_bigint() }}) as add_to_cart_sessions,
    cast(
        case
            when add_to_cart_sessions > 0
                then 1 - cast(add_to_cart_purchasing_sessions as {{ journey.funnel_type_double() }}) / add_to_cart_sessions
        end
        as {{ journey.funnel_type_double() }}
    ) as cart_abandonment_rate,
    cast(begin_checkout_sessions as {{ dbt.type_bigint() }}) as begin_checkout_sessions,
    cast(
        case
            when begin_checkout_sessions > 0
                then 1 - cast(begin_checkout_purchasing_sessions as {{ journey.funnel_type_double() }}) / begin_checkout_sessions
        end
        as {{ journey.funnel_type_double() }}
    ) as checkout_abandonment_rate,
    cast(page_views as {{ dbt.type_bigint() }}) as page_views,
    cast(engagement_seconds as {{ journey.funnel_type_double() }}) as engagement_seconds,
    cast(
        case when page_views > 0 then cast(engagement_seconds as {{ journey.funnel_type_double() }}) / page_views end
        as {{ journey.funnel_type_double() }}
    ) as avg_time_on_page_seconds
from daily
