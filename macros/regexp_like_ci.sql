{#
    True when `expression` matches the regular expression `pattern` ignoring case.
    `pattern` is any SQL string expression (a literal or a column).
#}
{% macro regexp_like_ci(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_like_ci', 'access_analytics')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regexp_like_ci(expression, pattern) -%}
    ({{ expression }} ~* {{ pattern }})
{%- endmacro %}
