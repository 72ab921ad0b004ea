{{ config(materialized='table') }}

with

int_requests_sessionized as (
    select * from {{ ref('int_requests_sessionized') }}
),

{# One row per user, session and IP: when the IP first appears in the session. #}
appearances as (
    select
        user_key,
        session_id,
        ip,
        max(user_id) as user_id,
        max(block_16) as block_16,
        min(requested_at) as appeared_at
    from int_requests_sessionized
    where ip is not null
    group by user_key, session_id, ip
),

{# Each appearance opens a window of sharing_window_hours; every appearance of the
   same user inside it counts. #}
windows as (
    select
        opening.user_key,
        opening.appeared_at as window_started_at,
        count(distinct inside.ip) as window_ips,
        count(distinct inside.block_16) as window_blocks_16,
        max(inside.appeared_at) as window_last_appearance_at
    from appearances as opening
    inner join appearances as inside
        on
            opening.user_key = inside.user_key
            and opening.appeared_at <= inside.appeared_at
            and inside.appeared_at < {{ dbt.dateadd(
                'hour', var('sharing_window_hours'), 'opening.appeared_at'
            ) }}
    group by opening.user_key, opening.appeared_at
),

flagged_windows as (
    select
        windows.*,
        {{ utc_to_local_date('window_started_at', var('curriculum_log_timezone')) }}
            as activity_date
    from windows
    where
        window_ips > {{ var('sharing_max_ips') }}
        or window_blocks_16 > {{ var('sharing_max_blocks_16') }}
),

flagged_days as (
    select
        user_key,
        activity_date,
        min(window_started_at) as first_window_started_at,
        max(window_ips) as max_window_ips,
        max(window_blocks_16) as max_window_blocks_16,
        count(*) as flagged_windows
    from flagged_windows
    group by user_key, activity_date
),

ips_per_day as (
    select
        user_key,
        {{ utc_to_local_date('appeared_at', var('curriculum_log_timezone')) }}
            as activity_date,
        max(user_id) as user_id,
        count(distinct ip) as day_ips,
        count(distinct block_16) as day_blocks_16
    from appearances
    group by
        user_key,
        {{ utc_to_local_date('appeared_at', var('curriculum_log_timezone')) }}
),

final as (
    select
        flagged_days.user_key,
        ips_per_day.user_id,
        flagged_days.activity_date,
        flagged_days.first_window_started_at,
        cast(flagged_days.max_window_ips as bigint) as max_window_ips,
        cast(flagged_days.max_window_blocks_16 as bigint) as max_window_blocks_16,
        cast(flagged_days.flagged_windows as bigint) as flagged_windows,
        cast(ips_per_day.day_ips as bigint) as day_ips,
        cast(ips_per_day.day_blocks_16 as bigint) as day_blocks_16
    from flagged_days
    inner join ips_per_day
        on
            flagged_days.user_key = ips_per_day.user_key
            and flagged_days.activity_date = ips_per_day.activity_date
)

select * from final
