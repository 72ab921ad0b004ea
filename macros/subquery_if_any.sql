{#
    `subquery` when it selects at least one row, else none: probed when the model is
    compiled. For an incremental batch condition that is rarely needed and has no index
    (its `or` would make every stored row a candidate): the model adds it only when it
    can select something.
#}
{% macro subquery_if_any(subquery) -%}
    {%- if execute and run_query(subquery ~ ' limit 1').rows | length > 0 -%}
        {{ return(subquery) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}
