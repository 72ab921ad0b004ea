{#
    A traffic suspect's key from `grain` and `ip` (suspect_grain_columns()) and the
    user-agent text that suspect_user_agent_join() adds: the IP for grain `ip`,
    `<ip>|<user agent>` for grain `ip_user_agent` (the user agent is empty, not null,
    when the request had none).
#}
{% macro suspect_key() -%}
    case
        when grain = 'ip' then ip
        else {{ dbt.concat(['ip', "'|'", 'user_agent']) }}
    end
{%- endmacro %}
