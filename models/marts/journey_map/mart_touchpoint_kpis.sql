{#- Touchpoint KPIs (issue 11): one row per reporting period (var journey_map_period, reporting time
    zone) x active KPI of seed touchpoint_kpis, with its value, target, owner and status. The seed
    chooses targets, direction, owners and which KPIs are active; the KPI definitions are fixed here,
    one CTE per KPI (each yields period_start, kpi, numerator, denominator, kpi_value), and the seed may
    only name these (data test journey_known_touchpoint_kpi, macro touchpoint_kpi_names):
      email_click_through_rate          unique clicks / delivered emails, by event day. A unique click
                                        is one (recipient, campaign or flow) clicked on one day
                                        (Klaviyo's "click rate"); opens are not used (privacy proxies
                                        open everything, SPEC 2.3).
      paid_search_cost_per_acquisition  Paid Search spend (spend rows whose GA4 channel group is Paid
                                        Search, as in mart_channel_attribution) / first orders
                                        credited to Paid Search by var touchpoint_kpi_attribution_model
                                        (default last_touch), by conversion day.
      product_page_add_to_cart_rate     sessions with view_item and add_to_cart / sessions with
                                        view_item (fct_sessions, by session_date).
      checkout_completion_rate          sessions with begin_checkout and a purchase / sessions with
                                        begin_checkout.
    Status: 'on target' when the value meets the target in the KPI's direction (>= for
    higher_is_better, <= for lower_is_better), 'below target' when it does not, 'no data' when the
    period has no denominator. -#}

{%- set kpi_model = journey.journey_attribution_model('touchpoint_kpi_attribution_model', 'last_touch') -%}

with

email_activity as (

    select
        email,
        event_type,
        coalesce(campaign_id, flow_id) as message_id,
        {{ journey.journey_period_start('occurred_at') }} as period_start,
        cast({{ journey.utc_to_local('occurred_at', var('reporting_timezone')) }} as date) as event_date
    from {{ ref('stg_email__activity') }}
    where event_type in ('delivered', 'clicked')

),

email_click_through_rate as (

    select
        period_start,
        'email_click_through_rate' as kpi,
        cast(count(distinct case
            when event_type = 'clicked'
                then {{ dbt.concat(['email', "'|'", "coalesce(message_id, '')", "'|'", 'cast(event_date as ' ~ dbt.type_string() ~ ')']) }}
        end) as {{ journey.attribution_type_double() }}) as numerator,
        cast(sum(case when event_type = 'delivered' then 1 else 0 end)
            as {{ journey.attribution_type_double() }}) as denominator
    from email_activity
    group by period_start

),

paid_search_cost as (

    select
        {{ journey.journey_period_start_of_date('conversion_date') }} as period_start,
        sum(cost) as cost
    from {{ ref('mart_channel_attribution') }}
    where model = '{{ kpi_model }}'
        and channel = 'Paid Search'
        and cost is not null
    group by 1

),

paid_search_acquisitions as (

    select
        {{ journey.journey_period_start('attribution.converted_at') }} as period_start,
        sum(attribution.credit) as first_orders
    from {{ ref('fct_attribution') }} as attribution
    inner join {{ ref('fct_conversions') }} as conversions
        on attribution.conversion_id = conversions.conversion_id
    where attribution.model = '{{ kpi_model }}'
        and attribution.channel = 'Paid Search'
        and conversions.conversion_kind = 'first_order'
    group by 1

),

paid_search_cost_per_acquisition as (

    select
        coalesce(paid_search_cost.period_start, paid_search_acquisitions.period_start) as period_start,
        'paid_search_cost_per_acquisition' as kpi,
        cast(coalesce(paid_search_cost.cost, 0) as {{ journey.attribution_type_double() }}) as numerator,
        cast(coalesce(paid_search_acquisitions.first_orders, 0) as {{ journey.attribution_type_double() }}) as denominator
    from paid_search_cost
    full outer join paid_search_acquisitions
        on paid_search_cost.period_start = paid_search_acquisitions.period_start

),

sessions as (

    select
        {{ journey.journey_period_start_of_date('session_date') }} as period_start,
        has_view_item,
        has_add_to_cart,
        has_begin_checkout,
        has_purchase
    from {{ ref('fct_sessions') }}

),

product_page_add_to_cart_rate as (

    select
        period_start,
        'product_page_add_to_cart_rate' as kpi,
        cast(sum(case when has_view_item and has_add_to_cart then 1 else 0 end)
            as {{ journey.attribution_type_double() }}) as numerator,
        cast(sum(case when has_view_item then 1 else 0 end)
            as {{ journey.attribution_type_double() }}) as denominator
    from sessions
    group by period_start

),

checkout_completion_rate as (

    select
        period_start,
        'checkout_completion_rate' as kpi,
        cast(sum(case when has_begin_checkout and has_purchase then 1 else 0 end)
            as {{ journey.attribution_type_double() }}) as numerator,
        cast(sum(case when has_begin_checkout then 1 else 0 end)
            as {{ journey.attribution_type_double() }}) as denominator
    from sessions
    group by period_start

),

kpi_values as (

    {%- for kpi in journey.touchpoint_kpi_names() %}
    select period_start, kpi, numerator, denominator from {{ kpi }}
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}

),

periods as (

    select distinct period_start
    from kpi_values
    where period_start is not null

),

active_kpis as (

    select
        kpi,
        touchpoint,
        channel,
        touch_type,
        target,
        direction,
        owner
    from {{ ref('touchpoint_kpis') }}
    where is_active

),

grid as (

    select
        periods.period_start,
        active_kpis.kpi,
        active_kpis.touchpoint,
        active_kpis.channel,
        active_kpis.touch_type,
        active_kpis.target,
        active_kpis.direction,
        active_kpis.owner,
        kpi_values.numerator,
        kpi_values.denominator,
        kpi_values.numerator / nullif(kpi_values.denominator, 0) as kpi_value
    from periods
    cross join active_kpis
    left join kpi_values
        on periods.period_start = kpi_values.period_start
        and active_kpis.kpi = kpi_values.kpi

)

select
    cast(period_start as date) as period_start,
    cast(kpi as {{ dbt.type_string() }}) as kpi,
    cast(touchpoint as {{ dbt.type_string() }}) as touchpoint,
    cast(channel as {{ dbt.type_string() }}) as channel,
    cast(touch_type as {{ dbt.type_string() }}) as touch_type,
    cast(kpi_value as {{ journey.attribution_type_double() }}) as kpi_value,
    cast(numerator as {{ journey.attribution_type_double() }}) as numerator,
    cast(denominator as {{ journey.attribution_type_double() }}) as denominator,
    cast(target as {{ journey.attribution_type_double() }}) as target,
    cast(direction as {{ dbt.type_string() }}) as direction,
    cast(
        case
            when kpi_value is null then 'no data'
            when direction = 'lower_is_better' and kpi_value <= target then 'on target'
            when direction = 'higher_is_better' and kpi_value >= target then 'on target'
            else 'below target'
        end as {{ dbt.type_string() }}
    ) as status,
    cast(owner as {{ dbt.type_string() }}) as owner
from grid
