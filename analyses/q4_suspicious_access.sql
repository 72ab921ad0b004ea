{#
    Question 4: is there suspicious activity: users, machines or IPs accessing the
    curriculum who shouldn't, web scraping, suspicious IP addresses? Every IP that
    fired at least one rule of suspicious_ips, most suspicious first, with the rules
    (reasons), the behaviour behind them, and what kind of network it sits in
    (ip_block_profiles: a scraper usually comes from a block with no people in it,
    `insufficient data`; a campus or hotspot NAT address legitimately shows many users
    and user agents). For one IP's user agents, see suspicious_ip_user_agents.
#}
with

suspicious_ips as (
    select * from {{ ref('suspicious_ips') }}
),

ip_block_profiles as (
    select * from {{ ref('ip_block_profiles') }}
),

blocks_16 as (
    select
        block,
        block_kind,
        kind_reasons,
        unique_users as block_unique_users
    from ip_block_profiles
    where block_level = '/16'
),

flagged_ips as (
    select *
    from suspicious_ips
    where score > 0
)

select
    flagged_ips.suspicion_rank,
    flagged_ips.ip,
    flagged_ips.score,
    flagged_ips.traffic_class,
    flagged_ips.reasons,
    flagged_ips.requests,
    flagged_ips.first_seen_at,
    flagged_ips.last_seen_at,
    flagged_ips.active_days,
    flagged_ips.peak_pages_per_minute,
    flagged_ips.peak_daily_paths,
    flagged_ips.peak_daily_coverage,
    flagged_ips.curriculum_coverage,
    flagged_ips.interval_cv,
    flagged_ips.off_hours_share,
    flagged_ips.error_ratio,
    flagged_ips.distinct_users,
    flagged_ips.distinct_user_agents,
    flagged_ips.has_bot_user_agent,
    blocks_16.block_kind,
    blocks_16.kind_reasons,
    blocks_16.block_unique_users
from flagged_ips
left join blocks_16
    on flagged_ips.block_16 = blocks_16.block
order by flagged_ips.suspicion_rank asc
