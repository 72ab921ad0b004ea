with

user_hours as (
    select * from {{ ref('int_ip_block_user_hours') }}
),

by_block_16 as (
    select
        '/16' as block_level,
        block_16 as block,
        block_16 as parent_block_16,
        activity_date,
        day_of_week,
        count(distinct block_user_key) as unique_users,
        sum(requests) as requests
    from user_hours
    group by block_16, activity_date, day_of_week
),

by_block_24 as (
    select
        '/24' as block_level,
        block_24 as block,
        block_16 as parent_block_16,
        activity_date,
        day_of_week,
        count(distinct block_user_key) as unique_users,
        sum(requests) as requests
    from user_hours
    group by block_24, block_16, activity_date, day_of_week
),

unioned as (
    select * from by_block_16
    union all
    select * from by_block_24
)

select * from unioned
