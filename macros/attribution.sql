{#- Rule-based attribution helpers (SPEC 7). Engine-specific SQL is dispatched through
    adapter.dispatch('<name>', 'journey'): `duckdb__` implementations, portable `default__`. -#}

{#- A double-precision float type (dbt.type_float() is single precision on DuckDB). -#}
{% macro attribution_type_double() -%}
    {{ return(adapter.dispatch('attribution_type_double', 'journey')()) }}
{%- endmacro %}

{% macro default__attribution_type_double() -%}
    {{ dbt.type_float() }}
{%- endmacro %}

{% macro duckdb__attribution_type_double() -%}
    double
{%- endmacro %}

{#- The rule-based attribution models, in report order. -#}
{% macro attribution_rule_based_models() -%}
    {{ return(['first_touch', 'last_touch', 'last_non_direct', 'linear', 'time_decay', 'position_based']) }}
{%- endmacro %}

{#- var attribution_half_life_days (default 7) as a positive number, validated at compile time. -#}
{% macro attribution_half_life_days() -%}
    {%- set half_life = var('attribution_half_life_days', 7) | float -%}
    {%- if half_life <= 0 -%}
        {{ exceptions.raise_compiler_error("var attribution_half_life_days must be > 0, got " ~ var('attribution_half_life_days', 7)) }}
    {%- endif -%}
    {{ return(half_life) }}
{%- endmacro %}

{#- Generic data test: per (conversion, model) group the credits sum to 1 within `credit_tolerance`
    and the revenue credits to the conversion's revenue within `revenue_tolerance` (null revenue
    counts as 0). Revenue is read from `revenue_model` (one or more rows per conversion, the same
    revenue on each; default: the tested model). When `models` is given, every conversion of
    `revenue_model` must have a group for each of them (nothing lost). Returns the failing groups.
    Use as `journey_attribution_credits_sum_to_one`. -#}
{% test journey_attribution_credits_sum_to_one(model, revenue_model=none, models=none,
        conversion_column='conversion_id', model_column='model', credit_column='credit',
        revenue_credit_column='revenue_credit', revenue_column='revenue',
        credit_tolerance=1e-9, revenue_tolerance=1e-6) -%}
    with groups as (
        select
            {{ conversion_column }} as conversion_id,
            {{ model_column }} as attribution_model,
            sum({{ credit_column }}) as total_credit,
            sum(coalesce({{ revenue_credit_column }}, 0)) as total_revenue_credit
        from {{ model }}
        group by {{ conversion_column }}, {{ model_column }}
    ),
    revenues as (
        select
            {{ conversion_column }} as conversion_id,
            max(coalesce({{ revenue_column }}, 0)) as revenue
        from {{ revenue_model if revenue_model is not none else model }}
        group by {{ conversion_column }}
    ),
    expected as (
        {%- if models %}
        select r.conversion_id, m.attribution_model, r.revenue
        from revenues as r
        cross join (
            {%- for m in models %}
            select '{{ m }}' as attribution_model{{ " union all" if not loop.last }}
            {%- endfor %}
        ) as m
        {%- else %}
        select g.conversion_id, g.attribution_model, r.revenue
        from groups as g
        left join revenues as r
            on r.conversion_id = g.conversion_id
        {%- endif %}
    )
    select
        coalesce(e.conversion_id, g.conversion_id) as conversion_id,
        coalesce(e.attribution_model, g.attribution_model) as attribution_model,
        g.total_credit,
        g.total_revenue_credit,
        e.revenue
    from expected as e
    full outer join groups as g
        on g.conversion_id = e.conversion_id
        and g.attribution_model = e.attribution_model
    where g.conversion_id is null
        or e.conversion_id is null
        or e.revenue is null
        or g.total_credit is null
        or abs(g.total_credit - 1) > {{ credit_tolerance }}
        or abs(g.total_revenue_credit - e.revenue) > {{ revenue_tolerance }}
{%- endtest %}

{% macro spark__attribution_type_double() -%}
    double
{%- endmacro %}
