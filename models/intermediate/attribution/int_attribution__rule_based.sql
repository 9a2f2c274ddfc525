{{ config(materialized='table') }}

{#- Rule-based multi-touch attribution (SPEC 7): one row per path conversion x touchpoint x model
    (first_touch, last_touch, last_non_direct, linear, time_decay, position_based), on the paths of
    int_journey__conversion_paths. Every touchpoint of a path has a row in every model (credit 0 when
    the model gives it nothing), so the grain is the same for all models. Per conversion and model
    the credits sum to 1 and revenue_credit = credit x revenue sums to the revenue:
      - first_touch / last_touch: 1 to touch_position 1 / touch_count.
      - last_non_direct: 1 to the last touch whose channel is not 'Direct'; the last touch when all
        touches are Direct.
      - linear: 1 / n.
      - time_decay: weight 2^(-days_before_conversion / var attribution_half_life_days (7)),
        normalised per conversion. Computed as 2^(-(days - min days of the path) / half_life), the same
        after normalisation, so the nearest touch weighs 1 and the sum never underflows to 0.
      - position_based: n = 1: 1; n = 2: 0.5 / 0.5; n >= 3: 0.4 first, 0.4 last, 0.2 / (n - 2) middle.
    A conversion without touchpoint (touch_count 0) gets, in every model, one row with credit 1,
    channel 'Direct' and null touchpoint_id / touch_position. -#}

{%- set half_life = journey.attribution_half_life_days() -%}
{%- set double = journey.attribution_type_double() -%}

with

paths as (

    select
        conversion_id,
        customer_key,
        converted_at,
        revenue,
        touchpoint_id,
        case when touch_count = 0 then 'Direct' else channel end as channel,
        touch_position,
        touch_count,
        days_before_conversion
    from {{ ref('int_journey__conversion_paths') }}

),

path_stats as (

    select
        paths.*,
        max(
            case
                when touchpoint_id is not null and coalesce(channel, '') <> 'Direct'
                    then touch_position
            end
        ) over (partition by conversion_id) as last_non_direct_position,
        min(days_before_conversion) over (partition by conversion_id) as min_days_before_conversion
    from paths

),

decay_weights as (

    select
        path_stats.*,
        case
            when touchpoint_id is not null
                then power(
                    cast(2 as {{ double }}),
                    -(days_before_conversion - min_days_before_conversion) / cast({{ half_life }} as {{ double }})
                )
        end as decay_weight
    from path_stats

),

decay_totals as (

    select
        decay_weights.*,
        -- summed in touch order: a float sum in arbitrary row order differs in the last bit from
        -- run to run (flaky unit test, marts not reproducible)
        sum(decay_weight) over (
            partition by conversion_id
            order by touch_position
            rows between unbounded preceding and unbounded following
        ) as decay_weight_total
    from decay_weights

),

attribution_models as (

    {%- for m in journey.attribution_rule_based_models() %}
    select '{{ m }}' as model{{ " union all" if not loop.last }}
    {%- endfor %}

),

credited as (

    select
        p.conversion_id,
        p.customer_key,
        p.converted_at,
        m.model,
        p.touchpoint_id,
        p.channel,
        p.touch_position,
        p.revenue,
        cast(
            case
                when p.touch_count = 0 then 1
                when m.model = 'first_touch'
                    then case when p.touch_position = 1 then 1 else 0 end
                when m.model = 'last_touch'
                    then case when p.touch_position = p.touch_count then 1 else 0 end
                when m.model = 'last_non_direct'
                    then case
                        when p.touch_position = coalesce(p.last_non_direct_position, p.touch_count) then 1
                        else 0
                    end
                when m.model = 'linear'
                    then cast(1 as {{ double }}) / p.touch_count
                when m.model = 'time_decay'
                    then p.decay_weight / p.decay_weight_total
                when m.model = 'position_based'
                    then case
                        when p.touch_count = 1 then 1
                        when p.touch_count = 2 then 0.5
                        when p.touch_position = 1 or p.touch_position = p.touch_count then 0.4
                        else cast(0.2 as {{ double }}) / (p.touch_count - 2)
                    end
            end
            as {{ double }}
        ) as credit
    from decay_totals as p
    cross join attribution_models as m

),

final as (

    select
        conversion_id,
        customer_key,
        converted_at,
        model,
        touchpoint_id,
        channel,
        touch_position,
        credit,
        credit * cast(revenue as {{ double }}) as revenue_credit
    from credited

)

select * from final
