{#
    The user agents classified again (new rules, int_user_agents_classified) after
    `classified_after` that lines loaded up to `loaded_until` carry, as a subquery of
    their keys (`user_agent_key`, compared with macro user_agent_join_key): the
    requests an incremental run writes again for them, beyond those of its new lines. A
    user agent first loaded later is in new lines only. None when there is none, the
    usual run (macro subquery_if_any).
#}
{% macro user_agents_classified_again(classified_after, loaded_until) -%}
    {%- set subquery -%}
        select reclassified.user_agent_key
        from {{ ref('int_user_agents_classified') }} as reclassified
        where
            reclassified.classified_at > {{ classified_after }}
            and reclassified.first_loaded_at <= {{ loaded_until }}
    {%- endset -%}
    {{ return(subquery_if_any(subquery)) }}
{%- endmacro %}
