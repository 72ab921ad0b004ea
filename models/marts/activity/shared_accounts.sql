with

int_shared_account_days as (
    select * from {{ ref('int_shared_account_days') }}
),

accounts as (
    select
        user_key,
        max(user_id) as user_id,
        count(*) as flagged_days,
        min(activity_date) as first_flagged_date,
        max(activity_date) as last_flagged_date,
        max(max_window_ips) as max_window_ips,
        max(max_window_blocks_16) as max_window_blocks_16,
        max(day_ips) as max_day_ips
    from int_shared_account_days
    group by user_key
),

final as (
    select
        user_key,
        user_id,
        cast(flagged_days as bigint) as flagged_days,
        first_flagged_date,
        last_flagged_date,
        cast(max_window_ips as bigint) as max_window_ips,
        cast(max_window_blocks_16 as bigint) as max_window_blocks_16,
        cast(max_day_ips as bigint) as max_day_ips
    from accounts
)

select * from final
