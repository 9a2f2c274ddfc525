{#- One row per customer (connected component of the identity graph, int_identity__identifiers),
    known (email or user_id) or anonymous (devices, orders, CRM contacts only). No raw email: the
    primary email appears only as its salted hash. -#}

{%- set max_emails = var('identity_max_emails_per_customer', 5) | int %}

with

identifiers as (

    select identifier_type, identifier_value, customer_key, first_seen_at, is_customer_anchor
    from {{ ref('int_identity__identifiers') }}

),

cut_edges as (

    select left_type, left_value, right_type, right_value
    from {{ ref('int_identity__edges') }}
    where is_cut

),

crm_contacts as (

    select contact_id, lifecycle_stage, created_at
    from {{ ref('stg_crm__contacts') }}

),

customers as (

    select
        customer_key,
        min(first_seen_at) as first_seen_at,
        count(case when identifier_type = 'email' then 1 end) as email_count,
        count(case when identifier_type = 'user_pseudo_id' then 1 end) as device_count,
        count(case when identifier_type = 'user_id' then 1 end) as user_id_count,
        count(case when identifier_type = 'order' then 1 end) as order_count,
        count(case when identifier_type = 'crm_contact' then 1 end) as crm_contact_count,
        count(*) as identifier_count,
        max(case when is_customer_anchor then identifier_type end) as anchor_type
    from identifiers
    group by customer_key

),

-- Primary email: the customer's email first seen earliest (ties by address), stable as data arrives.
primary_emails as (

    select customer_key, email
    from (
        select
            customer_key,
            identifier_value as email,
            cast(row_number() over (
                partition by customer_key
                order by first_seen_at asc nulls last, identifier_value
            ) as bigint) as email_rank
        from identifiers
        where identifier_type = 'email'
    ) as ranked
    where email_rank = 1

),

-- CRM contact: the customer's contact created first (ties by contact id).
primary_crm_contacts as (

    select customer_key, contact_id, lifecycle_stage
    from (
        select
            identifiers.customer_key,
            crm_contacts.contact_id,
            crm_contacts.lifecycle_stage,
            cast(row_number() over (
                partition by identifiers.customer_key
                order by crm_contacts.created_at asc nulls last, crm_contacts.contact_id
            ) as bigint) as contact_rank
        from identifiers
        inner join crm_contacts
            on identifiers.identifier_type = 'crm_contact'
            and identifiers.identifier_value = cast(crm_contacts.contact_id as {{ dbt.type_string() }})
    ) as ranked
    where contact_rank = 1

),

-- Customers at either end of an edge cut by the shared-device guard.
customers_with_cut as (

    select identifiers.customer_key
    from cut_edges
    inner join identifiers
        on identifiers.identifier_type = cut_edges.left_type
        and identifiers.identifier_value = cut_edges.left_value

    union

    select identifiers.customer_key
    from cut_edges
    inner join identifiers
        on identifiers.identifier_type = cut_edges.right_type
        and identifiers.identifier_value = cut_edges.right_value

)

select
    customers.customer_key,
    {{ journey.email_hash('primary_emails.email') }} as email_hash,
    customers.anchor_type,
    customers.email_count,
    customers.device_count,
    customers.user_id_count,
    customers.order_count,
    customers.crm_contact_count,
    customers.identifier_count,
    primary_crm_contacts.contact_id as crm_contact_id,
    primary_crm_contacts.lifecycle_stage as crm_lifecycle_stage,
    customers.first_seen_at,
    (customers.email_count > 0 or customers.user_id_count > 0) as is_known,
    customers_with_cut.customer_key is not null as has_shared_device_cut,
    customers.email_count > {{ max_emails }} as exceeds_email_cap
from customers
left join primary_emails
    on primary_emails.customer_key = customers.customer_key
left join primary_crm_contacts
    on primary_crm_contacts.customer_key = customers.customer_key
left join customers_with_cut
    on customers_with_cut.customer_key = customers.customer_key
