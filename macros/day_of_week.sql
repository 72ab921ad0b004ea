{# Day of week of date or timestamp `expression` as an integer, ISO: 1 = Monday .. 7 = Sunday. #}
{% macro day_of_week(expression) -%}
    {{ return(adapter.dispatch('day_of_week', 'access_analytics')(expression)) }}
{%- endmacro %}

{% macro default__day_of_week(expression) -%}
    cast(extract(isodow from {{ expression }}) as integer)
{%- endmacro %}

{#- Spark's weekday() is 0 = Monday; dayofweek() would be 1 = Sunday. -#}
{% macro spark__day_of_week(expression) -%}
    (weekday({{ expression }}) + 1)
{%- endmacro %}
