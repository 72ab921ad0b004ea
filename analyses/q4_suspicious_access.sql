{#
    Question 4: is there suspicious activity (scraping, machines, accounts that
    should not be there)? The security marts of a later issue (suspicious_ips,
    ip_block_profiles) will answer it fully; until then the sessions show the plain
    signals: many lessons per session, fast request rates, bot user agents, and
    several IPs inside one session.
#}
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

per_user as (
    select
        user_key,
        count(*) as sessions,
        sum(requests) as requests,
        max(requests / greatest(duration_seconds / 60.0, 1.0)) as peak_requests_per_minute,
        max(distinct_lessons) as most_lessons_in_a_session,
        max(distinct_ips) as most_ips_in_a_session,
        {{ dbt.bool_or('has_bot_user_agent') }} as has_bot_user_agent
    from sessions
    group by user_key
)

select *
from per_user
order by most_lessons_in_a_session desc, peak_requests_per_minute desc
