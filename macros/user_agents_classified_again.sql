{#
    The user agents classified again (new rules, int_user_agents_classified) after
    `classified_after` that lines loaded up to `loaded_until` carry, as a subquery: the
    requests an incremental run writes again for them, beyond those of its new lines. A
    user agent first loaded later is in new lines only. Probed when the model is
    compiled: none when there is none (the usual run), so that the model leaves the
    condition out; its `or` would make every stored request a candidate (no index).
#}
{% macro user_agents_classified_again(classified_after, loaded_until) -%}
    {%- set subquery -%}
        select reclassified.user_agent
        from {{ ref('int_user_agents_classified') }} as reclassified
        where
            reclassified.classified_at > {{ classified_after }}
            and reclassified.first_loaded_at <= {{ loaded_until }}
    {%- endset -%}
    {%- if execute and run_query(subquery ~ ' limit 1').rows | length > 0 -%}
        {{ return(subquery) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}
