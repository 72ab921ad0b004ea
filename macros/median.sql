{# Median of `expression` as an aggregate (group by, not a window function). #}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'access_analytics')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{#- Spark's percentile interpolates between the two middle values, as percentile_cont. -#}
{% macro spark__median(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}
