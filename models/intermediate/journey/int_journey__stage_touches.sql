{#- Touches by journey stage (issue 11): one row per touchpoint (fct_touchpoints, not
    is_duplicate_touch: an email click that landed as a session counts once, as the session) with the
    stage the customer was in at the time of the touch - the furthest stage reached strictly before
    occurred_at, awareness when none is (int_journey__stage_spells, macro stage_spell_contains). The
    touch that moves a customer on belongs to the stage it moved them out of: the first engaged
    session is an awareness touch, the session of the first purchase a consideration touch. Also the
    reporting period of the touch (var journey_map_period, reporting time zone) and when the customer
    left that stage (stage_left_at, null while still in it). -#}

with

touches as (

    select
        touchpoint_id,
        customer_key,
        occurred_at,
        channel,
        touch_type
    from {{ ref('fct_touchpoints') }}
    where not is_duplicate_touch
        and customer_key is not null

),

spells as (

    select
        customer_key,
        stage,
        stage_number,
        entered_at,
        left_at,
        next_stage
    from {{ ref('int_journey__stage_spells') }}

),

staged as (

    select
        touches.touchpoint_id,
        touches.customer_key,
        touches.occurred_at,
        touches.channel,
        touches.touch_type,
        spells.stage,
        spells.stage_number,
        spells.entered_at as stage_entered_at,
        spells.left_at as stage_left_at,
        spells.next_stage
    from touches
    inner join spells
        on touches.customer_key = spells.customer_key
        and {{ journey.stage_spell_contains('spells', 'touches.occurred_at') }}

)

select
    touchpoint_id,
    customer_key,
    occurred_at,
    {{ journey.journey_period_start('occurred_at') }} as period_start,
    channel,
    touch_type,
    stage,
    stage_number,
    stage_entered_at,
    stage_left_at,
    next_stage
from staged
