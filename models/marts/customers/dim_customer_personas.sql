{#- Persona per customer (issue 11): one row per dim_customers customer_key. The analyst's rules in
    seed personas are tried by ascending priority; the customer gets the persona of the first rule
    whose every condition holds, else var default_persona. A condition left empty matches anything;
    otherwise it lists allowed values separated by '|' (case-insensitive; a customer without a value,
    e.g. no touches, matches only an empty condition) or, for orders, an inclusive range
    min_orders..max_orders (either end may be empty). The customer's attributes: CRM lifecycle stage
    (dim_customers), first-touch channel and first device category (mart_customer_journey_stages),
    non-cancelled orders and RFM segment (mart_customer_value; 0 orders and no segment for
    non-buyers). Personas reflect the customer's state at build time. -#}

with

customers as (

    select
        customer_key,
        crm_lifecycle_stage
    from {{ ref('dim_customers') }}

),

journey_stages as (

    select
        customer_key,
        first_touch_channel,
        first_device_category
    from {{ ref('mart_customer_journey_stages') }}

),

customer_values as (

    select
        customer_key,
        orders,
        rfm_segment
    from {{ ref('mart_customer_value') }}

),

attributes as (

    select
        customers.customer_key,
        customers.crm_lifecycle_stage,
        journey_stages.first_touch_channel,
        journey_stages.first_device_category,
        coalesce(customer_values.orders, 0) as order_count,
        customer_values.rfm_segment
    from customers
    left join journey_stages
        on customers.customer_key = journey_stages.customer_key
    left join customer_values
        on customers.customer_key = customer_values.customer_key

),

rules as (

    select
        priority,
        persona,
        crm_lifecycle_stage,
        first_touch_channel,
        first_device_category,
        min_orders,
        max_orders,
        rfm_segment
    from {{ ref('personas') }}

),

matches as (

    select
        attributes.customer_key,
        rules.priority,
        rules.persona,
        cast(row_number() over (
            partition by attributes.customer_key order by rules.priority, rules.persona
        ) as bigint) as match_number
    from attributes
    inner join rules
        on {{ journey.persona_condition_matches('rules.crm_lifecycle_stage', 'attributes.crm_lifecycle_stage') }}
        and {{ journey.persona_condition_matches('rules.first_touch_channel', 'attributes.first_touch_channel') }}
        and {{ journey.persona_condition_matches('rules.first_device_category', 'attributes.first_device_category') }}
        and {{ journey.persona_condition_matches('rules.rfm_segment', 'attributes.rfm_segment') }}
        and (rules.min_orders is null or attributes.order_count >= rules.min_orders)
        and (rules.max_orders is null or attributes.order_count <= rules.max_orders)

),

first_matches as (

    select
        customer_key,
        priority,
        persona
    from matches
    where match_number = 1

)

select
    attributes.customer_key,
    cast(coalesce(first_matches.persona, '{{ var("default_persona", "Browser") | replace("'", "''") }}')
        as {{ dbt.type_string() }}) as persona,
    cast(first_matches.priority as {{ dbt.type_int() }}) as persona_priority,
    first_matches.persona is null as is_default_persona,
    attributes.crm_lifecycle_stage,
    attributes.first_touch_channel,
    attributes.first_device_category,
    cast(attributes.order_count as {{ dbt.type_bigint() }}) as order_count,
    attributes.rfm_segment
from attributes
left join first_matches
    on attributes.customer_key = first_matches.customer_key
