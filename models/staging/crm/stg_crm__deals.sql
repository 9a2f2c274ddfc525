{#- One row per HubSpot deal (Record ID); the latest delivery (file, then row) wins. -#}

with

source as (

    select * from {{ source('crm', 'crm_deals') }}

),

deduplicated as (

    {{ journey.latest_delivery('source', 'record_id') }}

),

renamed as (

    select
        record_id as deal_id,
        {{ journey.clean_string('deal_name') }} as deal_name,
        {{ journey.clean_label('deal_stage') }} as deal_stage,
        amount,
        create_date as created_at,
        close_date as closed_at,
        {{ journey.clean_string('associated_contact') }} as associated_contact,
        -- 'First Last (email)': the email in the (first) parentheses holding an '@'; a bare email as is
        {{ journey.normalize_email(
            "coalesce("
            ~ journey.regexp_extract_group('associated_contact', '[(]([^()]*@[^()]*)[)]', 1)
            ~ ", case when associated_contact like '%@%' and associated_contact not like '%(%' then associated_contact end)"
        ) }} as associated_contact_email,
        {{ journey.clean_string(journey.regexp_extract_group('associated_contact', '^([^(]*)[(]', 1)) }} as associated_contact_name,
        _source_file,
        _source_row
    from deduplicated

),

final as (

    select
        deal_id,
        deal_name,
        deal_stage,
        amount,
        created_at,
        closed_at,
        replace(deal_stage, ' ', '') = 'closedwon' as is_won,
        replace(deal_stage, ' ', '') = 'closedlost' as is_lost,
        associated_contact_email,
        associated_contact_name,
        associated_contact,
        _source_file,
        _source_row
    from renamed

)

select * from final
