{#- Hex SHA-256 of a string expression. Dispatched: DuckDB has sha256(); the default is sha2(x, 256)
    (Spark, Databricks, Hive). -#}
{% macro sha256_hex(expression) -%}
    {{ return(adapter.dispatch('sha256_hex', 'journey')(expression)) }}
{%- endmacro %}

{% macro default__sha256_hex(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}

{% macro duckdb__sha256_hex(expression) -%}
    sha256({{ expression }})
{%- endmacro %}

{#- Salted hash of an email for the marts: hex sha256 of var('email_hash_salt') followed by the email
    (already trimmed and lower-cased in staging); null stays null (concat would otherwise hash the salt
    alone). The same email gives the same hash in every mart of one deployment. -#}
{% macro email_hash(email) -%}
    {%- set salt = var('email_hash_salt') | string -%}
    {%- set salt_literal = "'" ~ salt | replace("'", "''") ~ "'" -%}
    case
        when {{ email }} is null then null
        else {{ journey.sha256_hex(dbt.concat([salt_literal, email])) }}
    end
{%- endmacro %}

{#- A 64-bit hash of several columns, for grouping rows cheaply where equal inputs must give equal
    hashes but a rare collision is harmless (the caller compares the exact values afterwards).
    Dispatched: DuckDB hash(), Spark xxhash64(); the default is the surrogate key (an md5 string). -#}
{% macro hash64(columns) -%}
    {{ return(adapter.dispatch('hash64', 'journey')(columns)) }}
{%- endmacro %}

{% macro default__hash64(columns) -%}
    {{ journey.surrogate_key(columns) }}
{%- endmacro %}

{% macro duckdb__hash64(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__hash64(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}
