{#
    The user agent's text for suspect rows grouped by its key (suspect_grain_columns()):
    a left join of `grouped` to int_user_agents_classified, which adds the column
    `user_agent` (null for grain `ip`), as suspect_key() reads it. The requests are
    grouped by the 8-byte key, not the text: at 10M requests that made the suspects'
    sorts and hashes a quarter faster (docs/performance.md). Every key a request carries
    is classified, so a pair's text is never null (the suspects' not-null tests on
    suspect_key would fail).
#}
{% macro suspect_user_agent_join(grouped) -%}
    left join (
        select
            user_agent_key,
            user_agent
        from {{ ref('int_user_agents_classified') }}
    ) as user_agents
        on {{ grouped }}.user_agent_key = user_agents.user_agent_key
{%- endmacro %}
