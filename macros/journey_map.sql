{#- Journey map helpers (issue 11: marts.mart_journey_map, mart_touchpoint_kpis, mart_nps,
    mart_friction_points, dim_customer_personas). Portable SQL (dbt cross-db macros, CASE, standard
    aggregates); the only engine-specific pieces are the already dispatched journey.utc_to_local and
    journey.median. Vars are validated here at compile time so a typo fails with a clear message. -#}

{#- The journey stages of SPEC 6 (mart_customer_journey_stages), in order. -#}
{% macro journey_stage_names() -%}
    {{ return(['awareness', 'consideration', 'decision', 'retention', 'advocacy']) }}
{%- endmacro %}

{#- var journey_map_period (month | week): the reporting period of the journey-map marts. -#}
{% macro journey_map_period() -%}
    {%- set period = var('journey_map_period', 'month') | string | trim | lower -%}
    {%- if period not in ['month', 'week'] -%}
        {{ exceptions.raise_compiler_error("var journey_map_period must be month or week, got " ~ var('journey_map_period')) }}
    {%- endif -%}
    {{ return(period) }}
{%- endmacro %}

{#- var journey_map_next_stage_days (default 30) as a positive integer. -#}
{% macro journey_map_next_stage_days() -%}
    {%- set days = var('journey_map_next_stage_days', 30) -%}
    {%- if (days | string | trim) == '' or (days | int) <= 0 -%}
        {{ exceptions.raise_compiler_error("var journey_map_next_stage_days must be a positive number of days, got " ~ days) }}
    {%- endif -%}
    {{ return(days | int) }}
{%- endmacro %}

{#- An attribution model var (journey_map_attribution_model, touchpoint_kpi_attribution_model) checked
    against the models fct_attribution holds. -#}
{% macro journey_attribution_model(var_name, default) -%}
    {%- set model = var(var_name, default) | string | trim | lower -%}
    {%- set known = journey.attribution_rule_based_models() + ['markov', 'shapley'] -%}
    {%- if model not in known -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must be one of " ~ known | join(', ') ~ ", got " ~ var(var_name, default)) }}
    {%- endif -%}
    {{ return(model) }}
{%- endmacro %}

{#- SQL date: the start of the journey-map period (var journey_map_period) holding the UTC timestamp
    `column`, in the reporting time zone (weeks start on the engine's first weekday, Monday on DuckDB). -#}
{% macro journey_period_start(column) -%}
    cast({{ dbt.date_trunc(journey.journey_map_period(), journey.utc_to_local(column, var('reporting_timezone'))) }} as date)
{%- endmacro %}

{#- SQL date: the start of the journey-map period holding the DATE expression `column`. -#}
{% macro journey_period_start_of_date(column) -%}
    cast({{ dbt.date_trunc(journey.journey_map_period(), column) }} as date)
{%- endmacro %}

{#- SQL date: `periods` journey-map periods after the period start `column` (negative: before). -#}
{% macro journey_period_add(column, periods) -%}
    cast({{ dbt.dateadd(journey.journey_map_period(), periods, column) }} as date)
{%- endmacro %}

{#- Join condition: the stage spell `spells` (a row of int_journey__stage_spells) holds the instant
    `at`. A customer is in stage S at instant t when S is the furthest stage reached strictly before t
    (awareness when none is): awareness covers (-inf, left_at], every other stage (entered_at, left_at].
    So the touch (or response) that moves a customer on belongs to the stage it moved them out of. -#}
{% macro stage_spell_contains(spells, at) -%}
    ({{ spells }}.stage = 'awareness' or {{ spells }}.entered_at < {{ at }})
    and ({{ spells }}.left_at is null or {{ at }} <= {{ spells }}.left_at)
{%- endmacro %}

{#- The earlier of two nullable timestamps (null only when both are): portable (no least(), whose
    null handling differs between engines). -#}
{% macro earliest_of(a, b) -%}
    case
        when {{ a }} is null then {{ b }}
        when {{ b }} is null then {{ a }}
        when {{ b }} < {{ a }} then {{ b }}
        else {{ a }}
    end
{%- endmacro %}

{#- NPS in points (-100 .. 100) from counts: 100 x (promoters - detractors) / responses; null without
    responses. -#}
{% macro nps_points(promoters, detractors, responses) -%}
    case
        when {{ responses }} > 0
            then 100.0 * ({{ promoters }} - {{ detractors }}) / {{ responses }}
    end
{%- endmacro %}

{#- The touchpoint KPIs mart_touchpoint_kpis can compute: one CTE per KPI in that model. The seed
    touchpoint_kpis may only name these (data test journey_known_touchpoint_kpi). -#}
{% macro touchpoint_kpi_names() -%}
    {{ return([
        'email_click_through_rate',
        'paid_search_cost_per_acquisition',
        'product_page_add_to_cart_rate',
        'checkout_completion_rate',
    ]) }}
{%- endmacro %}

{#- Persona rule condition: the seed value `rule_value` is empty (any value matches) or lists the
    allowed values separated by '|' (compared trimmed and case-insensitively); a null customer value
    matches only an empty condition. -#}
{% macro persona_condition_matches(rule_value, customer_value) -%}
    (
        coalesce(trim({{ rule_value }}), '') = ''
        or {{ dbt.position(
            dbt.concat(["'|'", 'lower(trim(' ~ customer_value ~ '))', "'|'"]),
            dbt.concat(["'|'", "replace(replace(replace(lower(trim(" ~ rule_value ~ ")), ' | ', '|'), ' |', '|'), '| ', '|')", "'|'"])
        ) }} > 0
    )
{%- endmacro %}

{#- Generic data test on the seed column holding KPI names: every value must be a KPI
    mart_touchpoint_kpis defines (macro touchpoint_kpi_names). Each failing row says what is wrong. -#}
{% test journey_known_touchpoint_kpi(model, column_name) -%}
    {%- set known = journey.touchpoint_kpi_names() -%}
    select
        {{ column_name }} as kpi,
        {{ dbt.concat([
            "'unknown KPI '''", column_name, "''' in seed touchpoint_kpis: mart_touchpoint_kpis only computes "
            ~ known | join(', ') ~ " (fix the name, or add a CTE for the new KPI to mart_touchpoint_kpis and its name to macro touchpoint_kpi_names)'"
        ]) }} as problem
    from {{ model }}
    where {{ column_name }} is null
        or {{ column_name }} not in ({%- for k in known -%}'{{ k }}'{{ ", " if not loop.last }}{%- endfor -%})
{%- endtest %}
