{# Sample standard deviation of `expression` as an aggregate (null for fewer than two rows). #}
{% macro stddev_sample(expression) -%}
    {{ return(adapter.dispatch('stddev_sample', 'access_analytics')(expression)) }}
{%- endmacro %}

{% macro default__stddev_sample(expression) -%}
    stddev_samp({{ expression }})
{%- endmacro %}
