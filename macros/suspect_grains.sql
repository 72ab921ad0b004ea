{#
    The two grains of a traffic suspect and the request columns that identify one: an
    IP (grain `ip`), or an IP + user agent (grain `ip_user_agent`). The traffic models
    loop over them and group each grain's requests by its own columns, never by a key
    built for every request; suspect_key() writes the key on the grouped rows.
#}
{% macro suspect_grains() %}
    {{ return({'ip': ['ip'], 'ip_user_agent': ['ip', 'user_agent_key']}) }}
{% endmacro %}
