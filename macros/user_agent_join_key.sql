{#
    A request's key into int_user_agents_classified: its `user_agent_key` (macro
    hash_bigint of the user agent; null when the line has none), or the key of '' (the
    classification's row of a missing user agent).
#}
{% macro user_agent_join_key(user_agent_key) -%}
    coalesce({{ user_agent_key }}, {{ hash_bigint("''") }})
{%- endmacro %}
