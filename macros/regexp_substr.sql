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
