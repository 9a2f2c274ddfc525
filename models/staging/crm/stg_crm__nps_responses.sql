{#- One row per survey / NPS response (email, submitted at); a response delivered twice is kept once. -#}

with

source as (

    select * from {{ source('crm', 'crm_nps_responses') }}

),

renamed as (

    select
        {{ journey.surrogate_key([journey.normalize_email('email'), 'submitted_at']) }} as nps_response_id,
        {{ journey.normalize_email('email') }} as email,
        submitted_at,
        cast(score as integer) as score,
        {{ journey.clean_string('comment') }} as comment,
        _source_file,
        _source_row
    from source

),

deduplicated as (

    {{ journey.latest_delivery('renamed', 'nps_response_id') }}

),

final as (

    select
        nps_response_id,
        email,
        submitted_at,
        score,
        case
            when score >= 9 then 'promoter'
            when score >= 7 then 'passive'
            when score >= 0 then 'detractor'
        end as nps_category,
        comment,
        _source_file,
        _source_row
    from deduplicated

)

select * from final
