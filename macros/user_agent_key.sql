{#
    The key of a user-agent text (doc block user_agent_key): macro hash_bigint of it, null
    for null. Every model that makes the key calls this one macro, so the classification,
    the traffic classes and the requests always agree.
#}
{% macro user_agent_key(user_agent) -%}
    {{ hash_bigint(user_agent) }}
{%- endmacro %}
