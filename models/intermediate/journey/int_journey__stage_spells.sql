{#- Stage spells (issue 11): one row per customer x journey stage reached (SPEC 6, the timestamps of
    mart_customer_journey_stages), with when the customer entered it and when they left it for a later
    stage. The rule every journey-map mart uses: a customer is in stage S at instant t when S is the
    furthest stage reached strictly before t (awareness when none is), the order being awareness <
    consideration < decision < retention < advocacy. Hence
        awareness      covers (-inf, left_at]
        any other S    covers (entered_at, left_at]
    with left_at = the earliest timestamp of any later stage (the next one in order, or advocacy,
    which is not chained: a promoter response before a repeat order moves a decision customer on),
    never before entered_at (a later stage reached first leaves the spell empty). Spells of one
    customer do not overlap and cover all time from awareness on, so every touch or NPS response
    falls in exactly one spell (macro stage_spell_contains). -#}

with

stages as (

    select
        customer_key,
        awareness_at,
        consideration_at,
        decision_at,
        retention_at,
        advocacy_at
    from {{ ref('mart_customer_journey_stages') }}

),

-- Stage timestamps are chained (awareness <= consideration <= decision <= retention, and a later one
-- is only present when the earlier ones are), so the earliest later stage of S is the next chained
-- stage or advocacy, whichever comes first.
unpivoted as (

    select
        customer_key,
        'awareness' as stage,
        1 as stage_number,
        awareness_at as entered_at,
        {{ journey.earliest_of('consideration_at', 'advocacy_at') }} as later_stage_at,
        case
            when consideration_at is null and advocacy_at is null then null
            when advocacy_at < consideration_at or consideration_at is null then 'advocacy'
            else 'consideration'
        end as next_stage
    from stages

    union all

    select
        customer_key,
        'consideration' as stage,
        2 as stage_number,
        consideration_at as entered_at,
        {{ journey.earliest_of('decision_at', 'advocacy_at') }} as later_stage_at,
        case
            when decision_at is null and advocacy_at is null then null
            when advocacy_at < decision_at or decision_at is null then 'advocacy'
            else 'decision'
        end as next_stage
    from stages
    where consideration_at is not null

    union all

    select
        customer_key,
        'decision' as stage,
        3 as stage_number,
        decision_at as entered_at,
        {{ journey.earliest_of('retention_at', 'advocacy_at') }} as later_stage_at,
        case
            when retention_at is null and advocacy_at is null then null
            when advocacy_at < retention_at or retention_at is null then 'advocacy'
            else 'retention'
        end as next_stage
    from stages
    where decision_at is not null

    union all

    select
        customer_key,
        'retention' as stage,
        4 as stage_number,
        retention_at as entered_at,
        advocacy_at as later_stage_at,
        case when advocacy_at is not null then 'advocacy' end as next_stage
    from stages
    where retention_at is not null

    union all

    select
        customer_key,
        'advocacy' as stage,
        5 as stage_number,
        advocacy_at as entered_at,
        cast(null as timestamp) as later_stage_at,
        cast(null as {{ dbt.type_string() }}) as next_stage
    from stages
    where advocacy_at is not null

),

final as (

    select
        customer_key,
        stage,
        stage_number,
        entered_at,
        case
            when later_stage_at is null then null
            when later_stage_at < entered_at then entered_at
            else later_stage_at
        end as left_at,
        next_stage
    from unpivoted

)

select
    customer_key,
    cast(stage as {{ dbt.type_string() }}) as stage,
    cast(stage_number as {{ dbt.type_int() }}) as stage_number,
    cast(entered_at as timestamp) as entered_at,
    cast(left_at as timestamp) as left_at,
    cast(next_stage as {{ dbt.type_string() }}) as next_stage,
    cast(
        case when left_at is not null then {{ journey.days_between('entered_at', 'left_at') }} end
        as {{ journey.attribution_type_double() }}
    ) as days_to_next_stage,
    stage = 'awareness' or left_at is null or left_at > entered_at as is_occupied
from final
