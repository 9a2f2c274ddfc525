{#- Seed rfm_segments: every (recency_score, frequency_score) combination 1-5 x 1-5 falls in exactly
    one segment's ranges, so mart_customer_value gives every customer one segment. Returns the
    combinations matched by no segment or by several. -#}

with

scores as (

    select 1 as score union all select 2 union all select 3 union all select 4 union all select 5

),

combinations as (

    select
        recency.score as recency_score,
        frequency.score as frequency_score
    from scores as recency
    cross join scores as frequency

)

select
    combinations.recency_score,
    combinations.frequency_score,
    count(segments.rfm_segment) as matching_segments
from combinations
left join {{ ref('rfm_segments') }} as segments
    on combinations.recency_score between segments.recency_score_min and segments.recency_score_max
    and combinations.frequency_score between segments.frequency_score_min and segments.frequency_score_max
group by combinations.recency_score, combinations.frequency_score
having count(segments.rfm_segment) <> 1
