{# Sample standard deviation of `expression` as an aggregate (null for fewer than 2 rows). #}
{% macro stddev(expression) -%}
    {{ return(adapter.dispatch('stddev', 'access_analytics')(expression)) }}
{%- endmacro %}

{% macro default__stddev(expression) -%}
    stddev_samp({{ expression }})
{%- endmacro %}
