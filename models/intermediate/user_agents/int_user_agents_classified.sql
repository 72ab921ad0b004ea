{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

{#
    Each distinct user agent is classified once, by the ordered rules of the seed
    user_agent_rules: per attribute, the matching rule with the lowest rule_id wins.
    The seed ends each attribute (except bot) with a catch-all rule, so every user agent
    gets a value; a missing user agent is the empty string. Incremental: a run
    classifies only user agents not seen before (after editing the rules, rebuild with
    --full-refresh).
#}

with

requests as (
    select * from {{ ref('int_requests_unioned') }}
    {% if is_incremental() %}
    where loaded_at > {{ incremental_watermark('first_loaded_at') }}
    {% endif %}
),

user_agent_rules as (
    select * from {{ ref('user_agent_rules') }}
),

user_agents as (
    select
        coalesce(user_agent, '') as user_agent,
        min(loaded_at) as first_loaded_at
    from requests
    group by coalesce(user_agent, '')
    {% if is_incremental() %}
    having
        coalesce(user_agent, '') not in (
            select classified.user_agent from {{ this }} as classified
        )
    {% endif %}
),

matches as (
    select
        user_agents.user_agent,
        user_agent_rules.attribute,
        user_agent_rules.value,
        row_number() over (
            partition by user_agents.user_agent, user_agent_rules.attribute
            order by user_agent_rules.rule_id
        ) as match_rank
    from user_agents
    inner join user_agent_rules
        on {{ regexp_like_ci('user_agents.user_agent', 'user_agent_rules.pattern') }}
),

first_matches as (
    select
        user_agent,
        max(case when attribute = 'bot' then value end) as bot_name,
        max(case when attribute = 'os_family' then value end) as os_family,
        max(case when attribute = 'browser_family' then value end) as browser_family,
        max(case when attribute = 'device_class' then value end) as device_class
    from matches
    where match_rank = 1
    group by user_agent
),

classified as (
    select
        user_agents.user_agent,
        first_matches.os_family,
        case
            when first_matches.os_family = 'Windows' then 'windows'
            when first_matches.os_family = 'Mac OS X' then 'mac'
            {#- Chrome OS is a Linux system on laptops: grouped with the desktops. #}
            when first_matches.os_family in ('Linux', 'Chrome OS') then 'linux'
            when first_matches.os_family in ('Android', 'iOS') then 'mobile'
            else 'other'
        end as os_class,
        coalesce(first_matches.bot_name, first_matches.browser_family) as browser_family,
        case
            when first_matches.bot_name is not null then 'bot'
            else first_matches.device_class
        end as device_class,
        first_matches.bot_name is not null as is_bot,
        user_agents.first_loaded_at
    from user_agents
    left join first_matches
        on user_agents.user_agent = first_matches.user_agent
)

select * from classified
