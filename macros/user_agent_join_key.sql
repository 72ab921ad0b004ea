{#
    A request's key into int_user_agents_classified: its `user_agent_key` (null when the
    line has none), or the key of '' (the classification's row of a missing user agent).
#}
{% macro user_agent_join_key(request_key) -%}
    coalesce({{ request_key }}, {{ user_agent_key("''") }})
{%- endmacro %}
