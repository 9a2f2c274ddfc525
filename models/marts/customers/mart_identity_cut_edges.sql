{#- One row per identity edge cut by the over-merge guard (int_identity__edges.is_cut): an edge of a
    shared device to a user_id, order or email. Emails appear only as their salted hash. -#}

with

cut_edges as (

    select *
    from {{ ref('int_identity__edges') }}
    where is_cut

),

identifiers as (

    select identifier_type, identifier_value, customer_key
    from {{ ref('int_identity__identifiers') }}

),

cut_edges_public as (

    select
        cut_edges.left_value as user_pseudo_id,
        cut_edges.edge_source,
        cut_edges.right_type as connected_type,
        case
            when cut_edges.right_type = 'email' then {{ journey.email_hash('cut_edges.right_value') }}
            else cut_edges.right_value
        end as connected_identifier,
        cut_edges.cut_reason,
        cut_edges.device_person_anchor_count as person_anchor_count,
        cut_edges.device_email_anchor_count as email_anchor_count,
        cut_edges.device_user_id_anchor_count as user_id_anchor_count,
        cut_edges.first_seen_at,
        device.customer_key as device_customer_key,
        connected.customer_key as connected_customer_key
    from cut_edges
    left join identifiers as device
        on device.identifier_type = cut_edges.left_type
        and device.identifier_value = cut_edges.left_value
    left join identifiers as connected
        on connected.identifier_type = cut_edges.right_type
        and connected.identifier_value = cut_edges.right_value

)

select
    {{ journey.surrogate_key(['user_pseudo_id', 'connected_type', 'connected_identifier', 'edge_source']) }} as cut_edge_key,
    *
from cut_edges_public
