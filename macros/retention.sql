{#- Retention and customer-lifetime-value helpers (SPEC 8, 9). Portable SQL (dbt cross-db macros,
    standard window functions); nothing engine-specific here. -#}

{#- The cohort grains of mart_cohort_retention (var cohort_grains, default ['month', 'week']),
    validated: each a date_trunc part of week, month, quarter or year. -#}
{% macro cohort_grains() -%}
    {%- set grains = var('cohort_grains', ['month', 'week']) -%}
    {%- if grains is string -%}{%- set grains = [grains] -%}{%- endif -%}
    {%- if grains | length == 0 -%}
        {{ exceptions.raise_compiler_error("var cohort_grains must name at least one grain (week, month, quarter, year)") }}
    {%- endif -%}
    {%- set out = [] -%}
    {%- for grain in grains -%}
        {%- set g = grain | string | lower | trim -%}
        {%- if g not in ['week', 'month', 'quarter', 'year'] -%}
            {{ exceptions.raise_compiler_error("var cohort_grains: '" ~ grain ~ "' is not one of week, month, quarter, year") }}
        {%- endif -%}
        {%- if g not in out -%}{%- do out.append(g) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{#- A complete SELECT of the integers 0 .. 10^digits - 1 as `column` (cross-joined digits: no
    recursive CTE, no generate_series; 4 digits = 10,000 periods, 190 years of weeks). -#}
{% macro integer_series(column='n', digits=4) -%}
    select
        {%- for d in range(digits) %}
        d{{ d }}.digit * {{ 10 ** d }}{{ " +" if not loop.last }}
        {%- endfor %} as {{ column }}
    from
        {%- for d in range(digits) %}
        (
            select 0 as digit union all select 1 union all select 2 union all select 3
            union all select 4 union all select 5 union all select 6 union all select 7
            union all select 8 union all select 9
        ) as d{{ d }}{{ "," if not loop.last }}
        {%- endfor %}
{%- endmacro %}

{#- Window expression: quintile score 1-5 of the current row, higher = better by `order_by` (a
    window ORDER BY list sorting worst first). Tie rule: rows with equal sort values share one score,
    the one of the tie group's first position (SQL rank): score = 1 + floor(5 * percent_rank), capped
    at 5, with percent_rank = (rank - 1) / (rows - 1) (0 for a single row), computed as
    5.0 * (rank - 1) / (rows - 1) so quintile boundaries are exact. A value held by many rows (e.g.
    one order) keeps them all in the lower score, so some scores may stay unused. Portable (rank and
    count windows, floor, least). -#}
{% macro quintile_score(order_by) -%}
    cast(least(5, 1 + floor(
        coalesce(5.0 * (rank() over (order by {{ order_by }}) - 1) / nullif(count(*) over () - 1, 0), 0)
    )) as integer)
{%- endmacro %}

{#- SQL date expression: the CLV observation end - var clv_observation_end ('YYYY-MM-DD') when set,
    else the last order date (reporting time zone) of `orders` (default ref('fct_orders')). -#}
{% macro clv_observation_end_date(orders=none) -%}
    {%- set configured = var('clv_observation_end', none) -%}
    {%- if configured is not none and (configured | string | trim) != '' -%}
        {%- set text = configured | string | trim -%}
        {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
            {{ exceptions.raise_compiler_error("var clv_observation_end must be a date YYYY-MM-DD or null, got " ~ configured) }}
        {%- endif -%}
        cast('{{ text }}' as date)
    {%- else -%}
        (select max(order_date) from {{ orders if orders is not none else ref('fct_orders') }})
    {%- endif -%}
{%- endmacro %}

{#- var clv_holdout_days as a positive integer, or none when no holdout is configured. -#}
{% macro clv_holdout_days() -%}
    {%- set days = var('clv_holdout_days', none) -%}
    {%- if days is none or (days | string | trim | lower) in ('', 'none', 'null') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if (days | int) <= 0 -%}
        {{ exceptions.raise_compiler_error("var clv_holdout_days must be a positive number of days or null, got " ~ days) }}
    {%- endif -%}
    {{ return(days | int) }}
{%- endmacro %}

{#- var clv_monetary_value: the purchase value the CLV models use - net_revenue (default: refunds
    subtracted, a fully refunded purchase day is worth 0) or gross_revenue (what was charged). -#}
{% macro clv_monetary_value() -%}
    {%- set column = var('clv_monetary_value', 'net_revenue') | string | trim | lower -%}
    {%- if column not in ['net_revenue', 'gross_revenue'] -%}
        {{ exceptions.raise_compiler_error("var clv_monetary_value must be net_revenue or gross_revenue, got " ~ var('clv_monetary_value')) }}
    {%- endif -%}
    {{ return(column) }}
{%- endmacro %}

{#- A complete SELECT of the BG/NBD / Gamma-Gamma summaries per customer (SPEC 9, time unit days)
    from `purchase_days` (one row per customer_key and purchase_date with its purchase_value: same-day
    orders already merged) and `observation` (one row: observation_end_date). Only purchase days up
    to the observation end count. x = purchase days - 1; t_x = days from the first to the last
    purchase day; age_t (T) = days from the first purchase day to the observation end; m = mean
    purchase_value of the repeat purchase days (null when x = 0). -#}
{% macro clv_summaries(purchase_days, observation) -%}
    select
        days.customer_key,
        min(days.purchase_date) as first_purchase_date,
        max(days.purchase_date) as last_purchase_date,
        max(observation.observation_end_date) as observation_end_date,
        count(*) as purchase_days,
        count(*) - 1 as x,
        {{ dbt.datediff('min(days.purchase_date)', 'max(days.purchase_date)', 'day') }} as t_x,
        {{ dbt.datediff('min(days.purchase_date)', 'max(observation.observation_end_date)', 'day') }} as age_t,
        cast(sum(case when days.purchase_day_number > 1 then days.purchase_value end) as {{ journey.attribution_type_double() }})
            / nullif(count(*) - 1, 0) as m
    from (
        select
            customer_key,
            purchase_date,
            purchase_value,
            row_number() over (partition by customer_key order by purchase_date) as purchase_day_number
        from {{ purchase_days }}
    ) as days
    cross join {{ observation }} as observation
    where days.purchase_date <= observation.observation_end_date
    group by days.customer_key
{%- endmacro %}
