-- depends_on: {{ ref('stg_loads__loaded_files') }}
{{
    config(
        materialized='incremental',
        unique_key='user_agent',
    )
}}

{#
    Each distinct user agent is classified once, with uap-core's ordered parsers (seed
    user_agent_rules: first match per category os, browser, device), the bot patterns
    of crawler-user-agents (seed crawler_user_agents: any match) and our own overrides
    (seed user_agent_overrides: the first match per attribute wins over the lists).
    Incremental: a run classifies the user agents not seen before, and all of them
    again when any of the three seeds changed (rules_checksum), so editing a seed
    reclassifies on the next plain dbt build.
#}

with

user_agent_rules as (
    select * from {{ ref('user_agent_rules') }}
),

crawler_user_agents as (
    select * from {{ ref('crawler_user_agents') }}
),

user_agent_overrides as (
    select * from {{ ref('user_agent_overrides') }}
),

rules as (
    select
        {{ dbt.concat([
            "'uap:'", "cast(rule_id as " ~ dbt.type_string() ~ ")",
        ]) }} as rule_key,
        category,
        rule_id as rule_order,
        pattern,
        required_text,
        is_case_insensitive,
        family_template as rule_template,
        model_template
    from user_agent_rules
    union all
    select
        {{ dbt.concat([
            "'crawler:'", "cast(crawler_id as " ~ dbt.type_string() ~ ")",
        ]) }} as rule_key,
        'crawler' as category,
        crawler_id as rule_order,
        pattern,
        required_text,
        false as is_case_insensitive,
        null as rule_template,
        null as model_template
    from crawler_user_agents
    union all
    select
        {{ dbt.concat([
            "'override:'", "cast(override_id as " ~ dbt.type_string() ~ ")",
        ]) }} as rule_key,
        {{ dbt.concat(["'override:'", 'attribute']) }} as category,
        override_id as rule_order,
        pattern,
        '' as required_text,
        false as is_case_insensitive,
        value as rule_template,
        null as model_template
    from user_agent_overrides
),

rules_checksum as (
    select
        {{ dbt.hash(dbt.listagg(
            "concat(rule_key, '|', pattern, '|', coalesce(rule_template, ''), '|',"
            ~ " coalesce(model_template, ''))",
            "'\n'",
            "order by rule_key",
        )) }} as rules_checksum
    from rules
),

new_user_agents as (
    {#- Read from the staging views, not int_requests_unioned: the classification (and
        its unit test) runs beside the stacking of the requests, not after it. #}
    select seen.*
    from (
        {{ distinct_logged_values('user_agent', missing="''", first=true) }}
    ) as seen
    {% if is_incremental() %}
    where
        seen.user_agent not in (
            select classified.user_agent from {{ this }} as classified
        )
    {% endif %}
),

user_agents as (
    select
        user_agent,
        lower(user_agent) as user_agent_lower,
        first_loaded_at
    from new_user_agents
    {% if is_incremental() %}
    union all
    {#- Classified with other rules: classify again. #}
    select
        classified.user_agent,
        lower(classified.user_agent) as user_agent_lower,
        classified.first_loaded_at
    from {{ this }} as classified
    cross join rules_checksum
    where classified.rules_checksum <> rules_checksum.rules_checksum
    {% endif %}
),

matches as (
    {{ regexp_rule_matches('rules', 'user_agents', 'user_agent', 'user_agent_lower') }}
),

ranked_matches as (
    select
        matches.user_agent,
        rules.category,
        rules.pattern,
        rules.rule_template,
        rules.model_template,
        row_number() over (
            partition by matches.user_agent, rules.category
            order by rules.rule_order
        ) as match_rank
    from matches
    inner join rules
        on matches.rule_key = rules.rule_key
),

first_matches as (
    select
        user_agent,
        category,
        pattern,
        rule_template,
        model_template
    from ranked_matches
    where match_rank = 1
),

families as (
    select
        user_agent,
        max(case when category = 'os' then uap_family end) as uap_os_family,
        max(case when category = 'browser' then uap_family end) as uap_browser_family,
        max(case when category = 'device' then uap_family end) as uap_device_family,
        {#- uap-core's generic device rules name the kind of device as a fixed model. #}
        max(case when category = 'device' then model_template end) as uap_device_model,
        max(case when category = 'crawler' then 1 else 0 end) = 1 as is_listed_crawler,
        max(case when category = 'override:is_bot' then rule_template end) as override_is_bot,
        max(case when category = 'override:browser_family' then rule_template end)
            as override_browser_family,
        max(case when category = 'override:device_class' then rule_template end)
            as override_device_class
    from (
        select
            user_agent,
            category,
            rule_template,
            model_template,
            case
                when category in ('os', 'browser', 'device')
                    then {{ regexp_template('user_agent', 'pattern', 'rule_template') }}
            end as uap_family
        from first_matches
    ) as filled
    group by user_agent
),

bots as (
    select
        user_agents.user_agent,
        user_agents.first_loaded_at,
        coalesce(families.uap_os_family, 'Other') as uap_os_family,
        coalesce(families.uap_browser_family, 'Other') as uap_browser_family,
        coalesce(families.uap_device_family, 'Other') as device_family,
        families.uap_device_model,
        families.override_browser_family,
        families.override_device_class,
        case
            when families.override_is_bot is not null then 'override'
            when families.uap_device_family = 'Spider' then 'uap-core'
            when families.is_listed_crawler then 'crawler-user-agents'
        end as bot_source,
        coalesce(
            families.override_is_bot = 'true',
            coalesce(families.uap_device_family = 'Spider', false)
            or coalesce(families.is_listed_crawler, false)
        ) as is_bot
    from user_agents
    left join families
        on user_agents.user_agent = families.user_agent
),

classified as (
    select
        user_agent,
        case
            when uap_os_family like 'Windows%' then 'Windows'
            when uap_os_family in ('Mac OS X', 'iOS', 'Android', 'Chrome OS')
                then uap_os_family
            when
                uap_os_family in (
                    'Linux', 'Ubuntu', 'Kubuntu', 'Debian', 'Fedora', 'Red Hat', 'SUSE',
                    'openSUSE', 'Mint', 'Linux Mint', 'Arch Linux', 'CentOS', 'Gentoo',
                    'Slackware', 'Mandriva'
                )
                then 'Linux'
            else 'other'
        end as os_family,
        uap_os_family,
        coalesce(override_browser_family, uap_browser_family) as browser_family,
        device_family,
        case
            when is_bot then 'bot'
            when device_family in ('iPad', 'Generic Tablet') or uap_device_model = 'Tablet'
                then 'tablet'
            when
                device_family in ('iPhone', 'iPod', 'Generic Smartphone', 'Generic Feature Phone')
                or uap_device_model in ('Smartphone', 'Feature Phone')
                then 'mobile'
            else coalesce(override_device_class, 'desktop')
        end as device_class,
        is_bot,
        case when is_bot then bot_source end as bot_source,
        first_loaded_at
    from bots
),

final as (
    select
        classified.user_agent,
        {#- The key the request tables carry instead of the text. #}
        {{ user_agent_key('classified.user_agent') }} as user_agent_key,
        classified.os_family,
        case
            when classified.os_family = 'Windows' then 'windows'
            when classified.os_family = 'Mac OS X' then 'mac'
            {#- Chrome OS is a Linux system on laptops: grouped with the desktops. #}
            when classified.os_family in ('Linux', 'Chrome OS') then 'linux'
            when classified.os_family in ('Android', 'iOS') then 'mobile'
            else 'other'
        end as os_class,
        classified.uap_os_family,
        classified.browser_family,
        classified.device_family,
        classified.device_class,
        classified.is_bot,
        classified.bot_source,
        classified.first_loaded_at,
        rules_checksum.rules_checksum,
        {{ dbt.current_timestamp() }} as classified_at
    from classified
    cross join rules_checksum
)

select * from final
