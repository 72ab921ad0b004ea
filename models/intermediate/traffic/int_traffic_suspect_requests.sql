{#
    The requests once per suspect they belong to: the IP (grain `ip`) and the IP + user
    agent (grain `ip_user_agent`), so that every indicator is written once for both
    grains.
#}
with

facts as (
    select * from {{ ref('int_requests_traffic_facts') }}
),

suspects as (
    select
        'ip' as grain,
        ip as suspect_key,
        cast(null as {{ dbt.type_string() }}) as suspect_user_agent,
        facts.*
    from facts

    union all

    select
        'ip_user_agent' as grain,
        {{ dbt.concat(['ip', "'|'", 'user_agent']) }} as suspect_key,
        user_agent as suspect_user_agent,
        facts.*
    from facts
)

select * from suspects
