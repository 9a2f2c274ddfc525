{{ config(materialized='table') }}

{#- Journey stage per customer (SPEC 6): one row per customer_key with at least one touchpoint or
    conversion. Stages in order awareness < consideration < decision < retention < advocacy; each
    *_at is when the customer reached the stage. Reaching a stage implies the earlier funnel stages:
    consideration_at = the first engaged session or product view, or decision_at when that is earlier
    or missing (an order without consented web data); awareness_at = the first touch or
    first conversion of any kind (a CRM lead without web data), or consideration_at when earlier. So awareness_at <= consideration_at <=
    decision_at <= retention_at wherever present. advocacy_at (first NPS response scored 9-10) stands
    on its own: a promoter who never bought is still an advocate. -#}

with

touches as (

    select
        touchpoint_id,
        customer_key,
        occurred_at,
        channel
    from {{ ref('fct_touchpoints') }}
    where not is_duplicate_touch

),

customers as (

    select
        customer_key,
        min(first_seen_at) as first_seen_at
    from (
        select customer_key, occurred_at as first_seen_at from touches
        union all
        select customer_key, converted_at as first_seen_at from {{ ref('fct_conversions') }}
    ) as interactions
    group by customer_key

),

first_touches as (

    select
        customer_key,
        occurred_at as first_touch_at,
        channel as first_touch_channel
    from (
        select
            customer_key,
            occurred_at,
            channel,
            cast(row_number() over (
                partition by customer_key order by occurred_at, touchpoint_id
            ) as bigint) as touch_number
        from touches
    ) as numbered
    where touch_number = 1

),

first_sessions as (

    select
        customer_key,
        device_category as first_device_category
    from (
        select
            customer_key,
            device_category,
            cast(row_number() over (
                partition by customer_key order by session_started_at, session_key
            ) as bigint) as session_number
        from {{ ref('fct_sessions') }}
    ) as numbered
    where session_number = 1

),

considerations as (

    select
        customer_key,
        min(session_started_at) as first_considered_at
    from {{ ref('fct_sessions') }}
    where is_engaged or has_view_item
    group by customer_key

),

orders as (

    select
        customer_key,
        min(case when customer_order_number = 1 then ordered_at end) as decision_at,
        min(case when customer_order_number = 2 then ordered_at end) as retention_at
    from {{ ref('fct_orders') }}
    where not is_cancelled
        and customer_key is not null
        and customer_order_number in (1, 2)
    group by customer_key

),

promoters as (

    select
        i.customer_key,
        min(n.submitted_at) as advocacy_at
    from {{ ref('stg_crm__nps_responses') }} as n
    inner join {{ ref('int_identity__identifiers') }} as i
        on i.identifier_type = 'email'
        and i.identifier_value = n.email
    where n.score >= 9
    group by i.customer_key

),

stage_events as (

    select
        c.customer_key,
        c.first_seen_at,
        f.first_touch_at,
        f.first_touch_channel,
        s.first_device_category,
        case
            when k.first_considered_at is null then o.decision_at
            when o.decision_at is null or k.first_considered_at <= o.decision_at then k.first_considered_at
            else o.decision_at
        end as consideration_at,
        o.decision_at,
        o.retention_at,
        p.advocacy_at
    from customers as c
    left join first_touches as f on f.customer_key = c.customer_key
    left join first_sessions as s on s.customer_key = c.customer_key
    left join considerations as k on k.customer_key = c.customer_key
    left join orders as o on o.customer_key = c.customer_key
    left join promoters as p on p.customer_key = c.customer_key

),

touches_before_purchase as (

    select
        e.customer_key,
        count(t.touchpoint_id) as touches_before_first_purchase
    from stage_events as e
    left join touches as t
        on t.customer_key = e.customer_key
        and t.occurred_at <= e.decision_at
    where e.decision_at is not null
    group by e.customer_key

),

final as (

    select
        e.customer_key,
        case
            when e.consideration_at is null or e.first_seen_at <= e.consideration_at then e.first_seen_at
            else e.consideration_at
        end as awareness_at,
        e.consideration_at,
        e.decision_at,
        e.retention_at,
        e.advocacy_at,
        case
            when e.advocacy_at is not null then 'advocacy'
            when e.retention_at is not null then 'retention'
            when e.decision_at is not null then 'decision'
            when e.consideration_at is not null then 'consideration'
            else 'awareness'
        end as current_stage,
        case
            when e.first_touch_at <= e.decision_at
                then {{ journey.days_between('e.first_touch_at', 'e.decision_at') }}
        end as days_to_first_purchase,
        b.touches_before_first_purchase,
        e.first_touch_channel,
        e.first_device_category,
        d.crm_lifecycle_stage
    from stage_events as e
    left join touches_before_purchase as b on b.customer_key = e.customer_key
    left join {{ ref('dim_customers') }} as d on d.customer_key = e.customer_key

)

select
    customer_key,
    cast(awareness_at as timestamp) as awareness_at,
    cast(consideration_at as timestamp) as consideration_at,
    cast(decision_at as timestamp) as decision_at,
    cast(retention_at as timestamp) as retention_at,
    cast(advocacy_at as timestamp) as advocacy_at,
    current_stage,
    cast(days_to_first_purchase as double) as days_to_first_purchase,
    cast(touches_before_first_purchase as bigint) as touches_before_first_purchase,
    first_touch_channel,
    first_device_category,
    crm_lifecycle_stage
from final
