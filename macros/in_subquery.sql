{#
    `expression` is one of the values the one-column `subquery` returns. On PostgreSQL
    as `= any(array(subquery))`: the subquery runs first and its values become one
    array parameter, so the condition reaches the table scan under views and joins and
    uses an index on `expression` (a plain `in (subquery)` is a join the planner may
    place after a view's own joins, over every row).
#}
{% macro in_subquery(expression, subquery) -%}
    {{ return(adapter.dispatch('in_subquery', 'access_analytics')(expression, subquery)) }}
{%- endmacro %}

{% macro default__in_subquery(expression, subquery) -%}
    {{ expression }} in ({{ subquery }})
{%- endmacro %}

{% macro postgres__in_subquery(expression, subquery) -%}
    {{ expression }} = any(array({{ subquery }}))
{%- endmacro %}
