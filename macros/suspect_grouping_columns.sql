{#
    The columns of suspect_grain_columns() for rows grouped by suspect_grouping_sets():
    the grain, told by which of the grains' columns the row's set grouped by
    (`grouping(column)` is 1 where it did not), the IP and the user agent's key (null
    where the set leaves it out, as for grain `ip`); indented for a select list.
#}
{% macro suspect_grouping_columns() -%}
    {%- set grains = suspect_grains() %}
    {#- The columns that tell the grains apart: those some grain lacks. #}
    {%- set telling = [] %}
    {%- for column in grains.values() | sum(start=[]) | unique %}
    {%- for grain_columns in grains.values() if column not in grain_columns %}
    {%- if loop.first %}{% do telling.append(column) %}{% endif %}
    {%- endfor %}
    {%- endfor -%}
    case
            {%- for grain, grain_columns in grains.items() %}
            when
                {%- for column in telling %}
                grouping({{ column }}) = {{ 0 if column in grain_columns else 1 }}
                {%- if not loop.last %} and{% endif %}
                {%- endfor %}
                then cast('{{ grain }}' as {{ dbt.type_string() }})
            {%- endfor %}
        end as grain,
        ip,
        user_agent_key
{%- endmacro %}
