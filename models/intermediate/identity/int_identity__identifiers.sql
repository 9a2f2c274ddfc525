{#- One row per identifier of the identity graph with its customer_key.

    Customers are the connected components of int_identity__edges without the cut edges (over-merge
    guard), found by min-label propagation unrolled into var('identity_max_iterations') join steps
    (no recursive CTE, so it runs on engines without one). Node ids are numbered by type priority
    (emails first), so a component's smallest label is usually an email at its centre and spreads in
    fewer steps than the graph's diameter.

    customer_key = journey.surrogate_key of the component's anchor (type, value): the identifier
    first seen earliest; ties by type (email, user_id, crm_contact, generic_customer, order,
    user_pseudo_id), then value. It depends only on the component's own identifiers, so it does not
    change when unrelated data arrives. When new data merges two components, the merged customer
    keeps the key of the older anchor and the other key disappears; a new identifier first seen
    before the anchor (late data with an older timestamp) moves the key as well. -#}

{%- set iterations = var('identity_max_iterations', 12) | int %}

with

edges as (

    select left_type, left_value, right_type, right_value, first_seen_at, is_cut
    from {{ ref('int_identity__edges') }}

),

sightings as (

    select identifier_type, identifier_value, first_seen_at
    from {{ ref('int_identity__nodes') }}

    union all

    select left_type, left_value, first_seen_at
    from edges

    union all

    select right_type, right_value, first_seen_at
    from edges

),

identifiers as (

    select
        identifier_type,
        identifier_value,
        min(first_seen_at) as first_seen_at
    from sightings
    group by identifier_type, identifier_value

),

nodes as (

    select
        identifier_type,
        identifier_value,
        first_seen_at,
        {{ journey.identity_type_priority('identifier_type') }} as type_priority,
        cast(row_number() over (
            order by {{ journey.identity_type_priority('identifier_type') }}, identifier_value
        ) as bigint) as node_id
    from identifiers

),

kept_edges as (

    select
        left_end.node_id as left_node_id,
        right_end.node_id as right_node_id
    from edges
    inner join nodes as left_end
        on left_end.identifier_type = edges.left_type
        and left_end.identifier_value = edges.left_value
    inner join nodes as right_end
        on right_end.identifier_type = edges.right_type
        and right_end.identifier_value = edges.right_value
    where not edges.is_cut

),

directed_edges as (

    select left_node_id as src, right_node_id as dst from kept_edges
    union
    select right_node_id, left_node_id from kept_edges
    union
    select node_id, node_id from nodes

),

{{ journey.identity_label_propagation('nodes', 'directed_edges', iterations) }},

labelled as (

    select
        nodes.identifier_type,
        nodes.identifier_value,
        nodes.first_seen_at,
        labels.label,
        cast(row_number() over (
            partition by labels.label
            order by nodes.first_seen_at asc nulls last, nodes.type_priority, nodes.identifier_value
        ) as bigint) as anchor_rank
    from nodes
    inner join labels_{{ iterations }} as labels
        on labels.node_id = nodes.node_id

),

anchors as (

    select
        label,
        {{ journey.surrogate_key(['identifier_type', 'identifier_value']) }} as customer_key
    from labelled
    where anchor_rank = 1

)

select
    labelled.identifier_type,
    labelled.identifier_value,
    anchors.customer_key,
    labelled.first_seen_at,
    labelled.anchor_rank = 1 as is_customer_anchor
from labelled
inner join anchors
    on anchors.label = labelled.label
