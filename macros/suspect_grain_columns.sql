{#
    The columns every row of a traffic suspect carries, for rows grouped by the
    `grain`'s columns (suspect_grains()): the grain, the IP and the user agent (null
    for grain `ip`), so that the rows of both grains stack; indented for a select list.
#}
{% macro suspect_grain_columns(grain) -%}
    cast('{{ grain }}' as {{ dbt.type_string() }}) as grain,
        ip,
        {% if 'user_agent' in suspect_grains()[grain] -%}
        user_agent
        {%- else -%}
        cast(null as {{ dbt.type_string() }}) as user_agent
        {%- endif %}
{%- endmacro %}
