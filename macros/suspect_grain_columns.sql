{#
    The columns every row of a traffic suspect carries, for rows grouped by the
    `grain`'s columns (suspect_grains()): the grain, the IP and the user agent's key
    (null for grain `ip`), so that the rows of both grains stack; indented for a select
    list. The text comes back once the rows are grouped (macro
    suspect_user_agent_join).
#}
{% macro suspect_grain_columns(grain) -%}
    cast('{{ grain }}' as {{ dbt.type_string() }}) as grain,
        ip,
        {% if 'user_agent_key' in suspect_grains()[grain] -%}
        user_agent_key
        {%- else -%}
        cast(null as {{ dbt.type_bigint() }}) as user_agent_key
        {%- endif %}
{%- endmacro %}
