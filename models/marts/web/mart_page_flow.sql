{{ config(materialized='table') }}

{#- Behaviour flow (SPEC section 5): page-to-page transitions between consecutive page_view events of
    a session, by page path, summed over the sessions of int_ga4__page_transitions (one row per
    session and transition, built incrementally). -#}

with

final as (

    -- counted per session first (int_ga4__page_transitions): a count(distinct session_key) per page
    -- pair hashes every session key again (6.3 s against 4.3 s at 10M events)
    select
        from_page,
        to_page,
        cast(count(*) as {{ dbt.type_bigint() }}) as sessions,
        cast(sum(transitions) as {{ dbt.type_bigint() }}) as transitions
    from {{ ref('int_ga4__page_transitions') }}
    group by from_page, to_page

)

select * from final
