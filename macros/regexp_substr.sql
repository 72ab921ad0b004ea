{#
    The part of `expression` that matches `pattern` (a SQL string literal), or null.
    When the pattern has a capture group, the first group is returned.
#}
{% macro regexp_substr(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_substr', 'access_analytics')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regexp_substr(expression, pattern) -%}
    substring({{ expression }} from {{ pattern }})
{%- endmacro %}

{#-
    regexp_extract returns '' when nothing matches, where PostgreSQL returns null: the
    match is tested first. The group to return is read from the pattern (a literal).
-#}
{% macro spark__regexp_substr(expression, pattern) -%}
    {%- set text = pattern | string | trim -%}
    {%- set group = 1 if modules.re.search("(?<!\\\\)\\((?!\\?)", text) else 0 -%}
    case
        when {{ expression }} rlike {{ respell_literal(pattern) }}
            then regexp_extract({{ expression }}, {{ respell_literal(pattern) }}, {{ group }})
    end
{%- endmacro %}
