{#- Capture group `group` of the first match of `pattern` in `string`; null when nothing matches.
    Patterns are RE2/Java compatible; write them without backslashes (use [.] [0-9] [(]) so they need
    no engine-specific escaping. -#}
{% macro regexp_extract_group(string, pattern, group=1) -%}
    {{ return(adapter.dispatch('regexp_extract_group', 'journey')(string, pattern, group)) }}
{%- endmacro %}

{% macro default__regexp_extract_group(string, pattern, group) -%}
    nullif(regexp_extract({{ string }}, '{{ pattern }}', {{ group }}), '')
{%- endmacro %}

{#- Percent-decoding of a URL component; '+' decodes to a space (form encoding). A value that does not
    decode to valid UTF-8 is returned as delivered instead of failing the model. -#}
{% macro url_decode(string) -%}
    {{ return(adapter.dispatch('url_decode', 'journey')(string)) }}
{%- endmacro %}

{% macro default__url_decode(string) -%}
    {{ exceptions.raise_compiler_error("journey.url_decode has no implementation for adapter " ~ adapter.type()) }}
{%- endmacro %}

{% macro duckdb__url_decode(string) -%}
    coalesce(try(url_decode(replace({{ string }}, '+', '%20'))), {{ string }})
{%- endmacro %}

{#- Value of query parameter `name` in `url` (first occurrence), percent-decoded; null when absent or empty. -#}
{% macro url_query_param(url, name, decode=true) -%}
    {%- set raw = journey.regexp_extract_group(url, '[?&]' ~ name ~ '=([^&#]*)', 1) -%}
    {%- if decode -%}{{ journey.url_decode(raw) }}{%- else -%}{{ raw }}{%- endif -%}
{%- endmacro %}

{#- Host of an absolute URL, lower-cased, without port or credentials. -#}
{% macro url_host(url) -%}
    lower({{ journey.regexp_extract_group(url, '^[a-zA-Z][a-zA-Z0-9+.-]*://([^@/?#]*@)?([^/?#:]+)', 2) }})
{%- endmacro %}

{#- Path of an absolute URL ('/' when the URL has none), without query string or fragment. -#}
{% macro url_path(url) -%}
    case
        when {{ url }} is null then null
        else coalesce({{ journey.regexp_extract_group(url, '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*(/[^?#]*)', 1) }}, '/')
    end
{%- endmacro %}

{#- File name part of a path ('ga4/events_20240101.json.gz' -> 'events_20240101.json.gz'). -#}
{% macro file_basename(path) -%}
    {{ journey.regexp_extract_group(path, '([^/]+)$', 1) }}
{%- endmacro %}

{#- Spark's url_decode (java.net.URLDecoder) already decodes '+' to a space. -#}
{% macro spark__url_decode(string) -%}
    coalesce(try_url_decode({{ string }}), {{ string }})
{%- endmacro %}
