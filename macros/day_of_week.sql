{# Day of week of date `expression` as an integer, 0 = Sunday .. 6 = Saturday. #}
{% macro day_of_week(expression) -%}
    {{ return(adapter.dispatch('day_of_week', 'access_analytics')(expression)) }}
{%- endmacro %}

{% macro default__day_of_week(expression) -%}
    cast(extract(dow from {{ expression }}) as integer)
{%- endmacro %}
