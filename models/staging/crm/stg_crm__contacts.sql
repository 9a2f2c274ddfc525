{#- One row per HubSpot contact (Record ID); the latest delivery (file, then row) wins. -#}

with

source as (

    select * from {{ source('crm', 'crm_contacts') }}

),

deduplicated as (

    {{ journey.latest_delivery('source', 'record_id') }}

),

renamed as (

    select
        record_id as contact_id,
        {{ journey.normalize_email('email') }} as email,
        {{ journey.clean_string('first_name') }} as first_name,
        {{ journey.clean_string('last_name') }} as last_name,
        {{ journey.clean_string('phone_number') }} as phone,
        -- 'Marketing Qualified Lead' (label) and 'marketingqualifiedlead' (internal name) are the same stage
        nullif(replace(replace(replace(lower(trim(lifecycle_stage)), ' ', ''), '_', ''), '-', ''), '') as lifecycle_stage,
        {{ journey.clean_label('lead_status') }} as lead_status,
        create_date as created_at,
        last_activity_date as last_activity_at,
        {{ journey.clean_label('original_source') }} as original_source,
        {{ journey.clean_string('original_source_drill_down_1') }} as original_source_drill_down_1,
        became_a_customer_date as became_customer_at,
        {{ journey.clean_label('marketing_contact_status') }} as marketing_contact_status,
        _source_file,
        _source_row
    from deduplicated

)

select * from renamed
