{#- One row per identifier of the identity graph with its customer_key.

    Customers are the connected components of int_identity__edges without the cut edges (over-merge
    guard), found by min-label propagation unrolled into var('identity_max_iterations') join steps
    (no recursive CTE, so it runs on engines without one). Node ids are numbered by type priority
    (emails first), so a component's smallest label is usually an email at its centre and spreads in
    fewer steps than the graph's diameter. Only the graph's core is propagated over: identifiers
    without a kept edge are customers of their own, and a leaf (one neighbour) takes its neighbour's
    label, since no path between two other identifiers runs through it (at 10M events 380K of 615K
    identifiers have an edge and 148K of those more than one neighbour: each step joins 0.45M
    instead of 1.2M rows). A component's label is then its core's smallest node_id (two leaves
    joined only to each other: the smaller one); any label that is the same across a component
    and different between components serves, as the anchor is chosen by first_seen_at below.

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

neighbours as (

    select left_node_id as node_id, right_node_id as neighbour_id from kept_edges
    where left_node_id <> right_node_id
    union
    select right_node_id, left_node_id from kept_edges
    where left_node_id <> right_node_id

),

neighbour_counts as (

    select node_id, count(*) as neighbour_count, min(neighbour_id) as first_neighbour_id
    from neighbours
    group by node_id

),

core_nodes as (

    select node_id
    from neighbour_counts
    where neighbour_count > 1

),

core_edges as (

    select neighbours.node_id as src, neighbours.neighbour_id as dst
    from neighbours
    inner join core_nodes as src_core
        on src_core.node_id = neighbours.node_id
    inner join core_nodes as dst_core
        on dst_core.node_id = neighbours.neighbour_id

    union all

    select node_id, node_id from core_nodes

),

{{ journey.identity_label_propagation('core_nodes', 'core_edges', iterations) }},

-- every node with its component's label: a core node its own from the propagation, a leaf its one
-- neighbour's (labels_N is joined once, so the propagation runs once); a pair of leaves (neither in
-- the core) the smaller node_id of the two; a node without kept edges its own node_id
labels as (

    select
        nodes.node_id,
        coalesce(
            propagated.label,
            case
                when leaves.first_neighbour_id < nodes.node_id then leaves.first_neighbour_id
                else nodes.node_id
            end
        ) as label
    from nodes
    left join neighbour_counts as leaves
        on leaves.node_id = nodes.node_id
    left join labels_{{ iterations }} as propagated
        on propagated.node_id = case
            when leaves.neighbour_count > 1 then nodes.node_id
            else leaves.first_neighbour_id
        end

),

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
    inner join labels
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
