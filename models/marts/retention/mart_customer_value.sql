{#- Customer value (SPEC 8, 9): one row per customer with a non-cancelled order on or before the CLV
    observation end (int_customers__clv_summaries). Historical CLV (net revenue to date), repeat and
    churn flags, RFM quintile scores and segment (seed rfm_segments), and the BG/NBD + Gamma-Gamma
    predictions of int_customers__clv_predictions. -#}

{%- set churn_days = var('churn_days', 180) | int %}

with

summaries as (

    select customer_key, observation_end_date
    from {{ ref('int_customers__clv_summaries') }}

),

orders as (

    select
        orders.customer_key,
        orders.ordered_at,
        orders.order_date,
        orders.customer_order_number,
        orders.net_revenue_reporting
    from {{ ref('fct_orders') }} as orders
    inner join summaries
        on summaries.customer_key = orders.customer_key
    where not orders.is_cancelled
        and orders.order_date <= summaries.observation_end_date

),

customer_orders as (

    select
        customer_key,
        min(ordered_at) as first_ordered_at,
        max(ordered_at) as last_ordered_at,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        min(case when customer_order_number = 2 then ordered_at end) as second_ordered_at,
        count(*) as orders,
        sum(net_revenue_reporting) as net_revenue
    from orders
    group by customer_key

),

customers as (

    select
        customer_orders.*,
        summaries.observation_end_date,
        {{ dbt.datediff('customer_orders.last_order_date', 'summaries.observation_end_date', 'day') }}
            as days_since_last_order
    from customer_orders
    inner join summaries
        on summaries.customer_key = customer_orders.customer_key

),

scored as (

    select
        *,
        {{ journey.quintile_score('days_since_last_order desc') }} as recency_score,
        {{ journey.quintile_score('orders') }} as frequency_score,
        {{ journey.quintile_score('net_revenue') }} as monetary_score
    from customers

),

segments as (

    select
        rfm_segment,
        segment_order,
        recency_score_min,
        recency_score_max,
        frequency_score_min,
        frequency_score_max
    from {{ ref('rfm_segments') }}

),

acquisitions as (

    select customer_key, first_touch_channel
    from {{ ref('int_customers__acquisitions') }}

),

predictions as (

    select
        customer_key,
        probability_alive,
        expected_purchases_90d,
        expected_purchases_365d,
        expected_order_value,
        predicted_clv
    from {{ ref('int_customers__clv_predictions') }}

)

select
    scored.customer_key,
    scored.first_ordered_at,
    scored.last_ordered_at,
    scored.first_order_date,
    scored.last_order_date,
    scored.observation_end_date,
    coalesce(acquisitions.first_touch_channel, '(no touchpoints)') as first_touch_channel,
    cast(scored.orders as bigint) as orders,
    cast(scored.net_revenue as decimal(18, 2)) as net_revenue,
    cast(round(scored.net_revenue / scored.orders, 2) as decimal(18, 2)) as average_order_value,
    scored.orders >= 2 as is_repeat_customer,
    cast({{ journey.days_between('scored.first_ordered_at', 'scored.second_ordered_at') }} as double)
        as days_to_second_order,
    cast(scored.days_since_last_order as bigint) as days_since_last_order,
    scored.days_since_last_order >= {{ churn_days }} as is_churned,
    scored.recency_score,
    scored.frequency_score,
    scored.monetary_score,
    {{ dbt.concat([
        'cast(scored.recency_score as ' ~ dbt.type_string() ~ ')',
        'cast(scored.frequency_score as ' ~ dbt.type_string() ~ ')',
        'cast(scored.monetary_score as ' ~ dbt.type_string() ~ ')',
    ]) }} as rfm_score,
    segments.rfm_segment,
    cast(segments.segment_order as integer) as rfm_segment_order,
    cast(predictions.probability_alive as {{ journey.attribution_type_double() }}) as probability_alive,
    cast(predictions.expected_purchases_90d as {{ journey.attribution_type_double() }}) as expected_purchases_90d,
    cast(predictions.expected_purchases_365d as {{ journey.attribution_type_double() }}) as expected_purchases_365d,
    cast(round(predictions.expected_order_value, 2) as decimal(18, 2)) as expected_order_value,
    cast(round(predictions.predicted_clv, 2) as decimal(18, 2)) as predicted_clv
from scored
left join segments
    on scored.recency_score between segments.recency_score_min and segments.recency_score_max
    and scored.frequency_score between segments.frequency_score_min and segments.frequency_score_max
left join acquisitions
    on acquisitions.customer_key = scored.customer_key
left join predictions
    on predictions.customer_key = scored.customer_key
