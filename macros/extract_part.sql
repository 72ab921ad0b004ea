{#
    A numeric part of timestamp `expression`: 'hour', 'minute', or 'isodow' (ISO day of
    the week, 1 = Monday to 7 = Sunday).
#}
{% macro extract_part(part, expression) -%}
    {{ return(adapter.dispatch('extract_part', 'access_analytics')(part, expression)) }}
{%- endmacro %}

{% macro default__extract_part(part, expression) -%}
    extract({{ part }} from {{ expression }})
{%- endmacro %}

{% macro spark__extract_part(part, expression) -%}
    {%- if part == 'isodow' -%}
        {{ day_of_week(expression) }}
    {%- else -%}
        extract({{ part }} from {{ expression }})
    {%- endif -%}
{%- endmacro %}
