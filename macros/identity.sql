{#- Identity graph helpers (models/intermediate/identity). Portable SQL only: no recursive CTE,
    no QUALIFY, no engine-specific functions. -#}

{#- Identifier types of the identity graph, in anchor tie-break priority (lower wins when two
    identifiers of a component were first seen at the same time). -#}
{% macro identity_identifier_types() -%}
    {{ return(['email', 'user_id', 'crm_contact', 'generic_customer', 'order', 'user_pseudo_id']) }}
{%- endmacro %}

{% macro identity_type_priority(column) -%}
    case {{ column }}
    {%- for identifier_type in journey.identity_identifier_types() %}
        when '{{ identifier_type }}' then {{ loop.index }}
    {%- endfor %}
        else 99
    end
{%- endmacro %}

{#- Order reference as compared between GA4 transaction_id and the order exports: trimmed,
    lower-cased, without '#' ('#1001', '1001' and ' #1001 ' all give '1001'). -#}
{% macro identity_order_match_key(column) -%}
    nullif(lower(trim(replace({{ column }}, '#', ''))), '')
{%- endmacro %}

{#- Connected components by iterative min-label propagation, unrolled into `iterations` CTEs
    labels_1 .. labels_<iterations> (comma-separated, no leading WITH; follow with a comma).
    `nodes` has node_id (integer); `directed_edges` has src, dst with BOTH directions of every edge
    AND a self-loop (n, n) for every node, so each step is one join + group by that reads the previous
    step exactly once (no CTE referenced twice: nothing is recomputed or needs materializing, and it
    runs on engines without recursive CTEs). After step k every node carries the smallest node_id
    within k hops; the result is exact when k >= the largest distance from any node to its
    component's smallest node (the data test identity_components_converged checks it). -#}
{% macro identity_label_propagation(nodes, directed_edges, iterations) -%}
    labels_0 as (

        select node_id, node_id as label
        from {{ nodes }}

    ),
    {%- for step in range(1, iterations + 1) %}

    labels_{{ step }} as (

        select
            edges.src as node_id,
            min(previous.label) as label
        from {{ directed_edges }} as edges
        inner join labels_{{ step - 1 }} as previous
            on previous.node_id = edges.dst
        group by edges.src

    ){% if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- Data test: the label propagation converged. Returns every edge kept in the graph (not cut by the
    over-merge guard) whose two ends carry different customer keys, or an end missing from the
    identifiers model. A failure means var identity_max_iterations is too small for the graph's
    diameter: raise it. -#}
{% test identity_components_converged(model, edges) -%}
    select
        edges.left_type,
        edges.left_value,
        edges.right_type,
        edges.right_value,
        edges.edge_source,
        left_end.customer_key as left_customer_key,
        right_end.customer_key as right_customer_key
    from {{ edges }} as edges
    left join {{ model }} as left_end
        on left_end.identifier_type = edges.left_type
        and left_end.identifier_value = edges.left_value
    left join {{ model }} as right_end
        on right_end.identifier_type = edges.right_type
        and right_end.identifier_value = edges.right_value
    where not edges.is_cut
        and (
            left_end.customer_key is null
            or right_end.customer_key is null
            or left_end.customer_key <> right_end.customer_key
        )
{%- endtest %}
