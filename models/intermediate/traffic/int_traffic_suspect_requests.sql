{#
    The requests once per suspect they belong to: the IP (grain `ip`) and the IP + user
    agent (grain `ip_user_agent`), so that every indicator is written once for both
    grains.
    One import CTE per branch: PostgreSQL materialises a CTE read twice, whole rows of
    every request (written to disk at 1M requests) before any filter or projection of
    the readers; read once, each is inlined into a plain scan.
#}
with

facts_per_ip as (
    select * from {{ ref('int_requests_traffic_facts') }}
),

facts_per_ip_user_agent as (
    select * from {{ ref('int_requests_traffic_facts') }}
),

suspects as (
    select
        'ip' as grain,
        ip as suspect_key,
        cast(null as {{ dbt.type_string() }}) as suspect_user_agent,
        facts_per_ip.*
    from facts_per_ip

    union all

    select
        'ip_user_agent' as grain,
        {{ dbt.concat(['ip', "'|'", 'user_agent']) }} as suspect_key,
        user_agent as suspect_user_agent,
        facts_per_ip_user_agent.*
    from facts_per_ip_user_agent
)

select * from suspects
