{# Replace every match of `pattern` in `expression` by `replacement` (SQL string literals). #}
{% macro regexp_replace_all(expression, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'access_analytics')(expression, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}

{#- Spark's regexp_replace replaces every match (it reads a 'g' as a position). -#}
{% macro spark__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ respell_literal(pattern) }}, {{ respell_literal(replacement) }})
{%- endmacro %}
