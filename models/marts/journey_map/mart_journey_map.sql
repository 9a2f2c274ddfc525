{#- The customer journey map as data (issue 11): one row per reporting period (var
    journey_map_period, reporting time zone), persona (dim_customer_personas), journey stage and
    touchpoint (channel x touch type) with at least one customer reached.

    Stage of a touch: the stage the customer was in at the time of the touch = the furthest stage of
    mart_customer_journey_stages reached strictly before the touch (awareness when none is), in the
    order awareness < consideration < decision < retention < advocacy (int_journey__stage_touches).
    The touch that moves a customer on counts for the stage it moved them out of (the first engaged
    session is an awareness touch; the session of the first purchase a consideration touch).

    A customer is reached in a cell when they had a touch (fct_touchpoints, not is_duplicate_touch)
    of that channel and touch type, assigned to that stage, in that period. Per cell and customer the
    reference instant is their first such touch; the customer moved on when they reached a later stage
    (the next one, or advocacy, which is not chained) within var journey_map_next_stage_days (30) days
    of it. next_stage_rate = moved on / reached, drop_off_rate = 1 - next_stage_rate,
    median_days_to_next_stage over those who moved on; null for advocacy (the last stage).
    customers_window_open counts reached customers who have not moved on yet and whose window runs
    past the end of the data (their outcome may still change: the latest period's rates are
    provisional). Revenue influenced: the revenue credit (fct_attribution, model var
    journey_map_attribution_model, default linear) of the cell's touches. NPS: responses
    (stg_crm__nps_responses) of the cell's customers submitted in the period. KPI: the active KPI of
    seed touchpoint_kpis whose channel is the cell's channel and whose touch_type is the cell's or
    empty (the specific one first), with its value that period (mart_touchpoint_kpis).

    Customers are partitioned by persona, so counts of one stage and touchpoint add up over personas;
    a customer can be reached by several touchpoints, so do not add customers over touchpoints. -#}

{%- set next_stage_days = journey.journey_map_next_stage_days() -%}
{%- set attribution_model = journey.journey_attribution_model('journey_map_attribution_model', 'linear') -%}

with

stage_touches as (

    select
        touchpoint_id,
        customer_key,
        occurred_at,
        period_start,
        channel,
        touch_type,
        stage,
        stage_number,
        stage_left_at
    from {{ ref('int_journey__stage_touches') }}

),

personas as (

    select
        customer_key,
        persona
    from {{ ref('dim_customer_personas') }}

),

data_end as (

    select max(last_at) as data_end_at
    from (
        select max(occurred_at) as last_at from {{ ref('fct_touchpoints') }}
        union all
        select max(converted_at) as last_at from {{ ref('fct_conversions') }}
    ) as last_instants

),

cell_customers as (

    select
        stage_touches.period_start,
        personas.persona,
        stage_touches.stage,
        stage_touches.stage_number,
        stage_touches.channel,
        stage_touches.touch_type,
        stage_touches.customer_key,
        min(stage_touches.occurred_at) as first_touch_at,
        max(stage_touches.stage_left_at) as stage_left_at,
        count(*) as touches
    from stage_touches
    inner join personas
        on stage_touches.customer_key = personas.customer_key
    group by 1, 2, 3, 4, 5, 6, 7

),

customer_outcomes as (

    select
        cell_customers.*,
        cell_customers.stage <> 'advocacy'
            and cell_customers.stage_left_at is not null
            and cell_customers.stage_left_at
                <= {{ dbt.dateadd('day', next_stage_days, 'cell_customers.first_touch_at') }}
            as is_moved_on,
        {{ dbt.dateadd('day', next_stage_days, 'cell_customers.first_touch_at') }}
            > data_end.data_end_at as is_window_past_data_end
    from cell_customers
    cross join data_end

),

cells as (

    select
        period_start,
        persona,
        stage,
        stage_number,
        channel,
        touch_type,
        count(*) as customers_reached,
        sum(touches) as touches,
        sum(case when is_moved_on then 1 else 0 end) as customers_moved_on,
        sum(case when not is_moved_on and is_window_past_data_end and stage <> 'advocacy' then 1 else 0 end)
            as customers_window_open,
        {{ journey.median('case when is_moved_on then ' ~ journey.days_between('first_touch_at', 'stage_left_at') ~ ' end') }}
            as median_days_to_next_stage
    from customer_outcomes
    group by 1, 2, 3, 4, 5, 6

),

attributed_revenue as (

    select
        stage_touches.period_start,
        personas.persona,
        stage_touches.stage,
        stage_touches.channel,
        stage_touches.touch_type,
        sum(attribution.revenue_credit) as revenue_influenced
    from stage_touches
    inner join personas
        on stage_touches.customer_key = personas.customer_key
    inner join {{ ref('fct_attribution') }} as attribution
        on stage_touches.touchpoint_id = attribution.touchpoint_id
    where attribution.model = '{{ attribution_model }}'
    group by 1, 2, 3, 4, 5

),

responses as (

    select
        customer_key,
        period_start,
        nps_category
    from {{ ref('int_journey__nps_responses') }}
    where customer_key is not null

),

cell_nps as (

    select
        cell_customers.period_start,
        cell_customers.persona,
        cell_customers.stage,
        cell_customers.channel,
        cell_customers.touch_type,
        count(*) as nps_responses,
        sum(case when responses.nps_category = 'promoter' then 1 else 0 end) as promoters,
        sum(case when responses.nps_category = 'detractor' then 1 else 0 end) as detractors
    from cell_customers
    inner join responses
        on cell_customers.customer_key = responses.customer_key
        and cell_customers.period_start = responses.period_start
    group by 1, 2, 3, 4, 5

),

kpi_candidates as (

    select
        cells.period_start,
        cells.persona,
        cells.stage,
        cells.channel,
        cells.touch_type,
        kpis.kpi,
        kpis.kpi_value,
        kpis.target,
        kpis.status,
        kpis.owner,
        cast(row_number() over (
            partition by cells.period_start, cells.persona, cells.stage, cells.channel, cells.touch_type
            order by case when kpis.touch_type is null then 1 else 0 end, kpis.kpi
        ) as bigint) as kpi_preference
    from cells
    inner join {{ ref('mart_touchpoint_kpis') }} as kpis
        on cells.period_start = kpis.period_start
        and cells.channel = kpis.channel
        and (kpis.touch_type is null or cells.touch_type = kpis.touch_type)

),

cell_kpis as (

    select *
    from kpi_candidates
    where kpi_preference = 1

),

final as (

    select
        cells.period_start,
        cells.persona,
        cells.stage,
        cells.stage_number,
        cells.channel,
        cells.touch_type,
        cells.customers_reached,
        cells.touches,
        case when cells.stage <> 'advocacy' then cells.customers_moved_on end as customers_moved_on,
        case
            when cells.stage <> 'advocacy'
                then cast(cells.customers_moved_on as {{ journey.attribution_type_double() }}) / cells.customers_reached
        end as next_stage_rate,
        case when cells.stage <> 'advocacy' then cells.median_days_to_next_stage end as median_days_to_next_stage,
        case when cells.stage <> 'advocacy' then cells.customers_window_open end as customers_window_open,
        coalesce(attributed_revenue.revenue_influenced, 0) as revenue_influenced,
        coalesce(cell_nps.nps_responses, 0) as nps_responses,
        {{ journey.nps_points('cell_nps.promoters', 'cell_nps.detractors', 'cell_nps.nps_responses') }} as nps,
        cell_kpis.kpi,
        cell_kpis.kpi_value,
        cell_kpis.target as kpi_target,
        cell_kpis.status as kpi_status,
        cell_kpis.owner as kpi_owner
    from cells
    left join attributed_revenue
        on cells.period_start = attributed_revenue.period_start
        and cells.persona = attributed_revenue.persona
        and cells.stage = attributed_revenue.stage
        and cells.channel = attributed_revenue.channel
        and cells.touch_type = attributed_revenue.touch_type
    left join cell_nps
        on cells.period_start = cell_nps.period_start
        and cells.persona = cell_nps.persona
        and cells.stage = cell_nps.stage
        and cells.channel = cell_nps.channel
        and cells.touch_type = cell_nps.touch_type
    left join cell_kpis
        on cells.period_start = cell_kpis.period_start
        and cells.persona = cell_kpis.persona
        and cells.stage = cell_kpis.stage
        and cells.channel = cell_kpis.channel
        and cells.touch_type = cell_kpis.touch_type

)

select
    cast(period_start as date) as period_start,
    cast(persona as {{ dbt.type_string() }}) as persona,
    cast(stage as {{ dbt.type_string() }}) as stage,
    cast(stage_number as {{ dbt.type_int() }}) as stage_number,
    cast(channel as {{ dbt.type_string() }}) as channel,
    cast(touch_type as {{ dbt.type_string() }}) as touch_type,
    cast(customers_reached as {{ dbt.type_bigint() }}) as customers_reached,
    cast(touches as {{ dbt.type_bigint() }}) as touches,
    cast(customers_moved_on as {{ dbt.type_bigint() }}) as customers_moved_on,
    cast(next_stage_rate as {{ journey.attribution_type_double() }}) as next_stage_rate,
    cast(1 - next_stage_rate as {{ journey.attribution_type_double() }}) as drop_off_rate,
    cast(median_days_to_next_stage as {{ journey.attribution_type_double() }}) as median_days_to_next_stage,
    cast(customers_window_open as {{ dbt.type_bigint() }}) as customers_window_open,
    cast(revenue_influenced as {{ journey.attribution_type_double() }}) as revenue_influenced,
    cast(nps_responses as {{ dbt.type_bigint() }}) as nps_responses,
    cast(nps as {{ journey.attribution_type_double() }}) as nps,
    cast(kpi as {{ dbt.type_string() }}) as kpi,
    cast(kpi_value as {{ journey.attribution_type_double() }}) as kpi_value,
    cast(kpi_target as {{ journey.attribution_type_double() }}) as kpi_target,
    cast(kpi_status as {{ dbt.type_string() }}) as kpi_status,
    cast(kpi_owner as {{ dbt.type_string() }}) as kpi_owner
from final
