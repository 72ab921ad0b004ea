{#
    Analysis E's work-hour rule. A block's users per hour of day are summed over the
    whole period; the step into hour t compares it with hour t - 1 (lag, ordered by
    hour, 0..23, not wrapping round midnight). A step touching an hour without users
    (min = 0) has no ratio and is never a jump: otherwise every block with a quiet
    night would have two "jumps" at its edges.
#}
with

hourly as (
    select * from {{ ref('int_ip_block_hourly') }}
),

hours_of_day as (
    select cast(generated_number - 1 as integer) as hour_of_day
    from ({{ dbt.generate_series(24) }}) as series
),

blocks as (
    select distinct
        block_level,
        block
    from hourly
),

hour_totals as (
    select
        block_level,
        block,
        activity_hour as hour_of_day,
        sum(unique_users) as hour_users
    from hourly
    group by block_level, block, activity_hour
),

filled as (
    select
        blocks.block_level,
        blocks.block,
        hours_of_day.hour_of_day,
        coalesce(hour_totals.hour_users, 0) as hour_users
    from blocks
    cross join hours_of_day
    left join hour_totals
        on
            blocks.block_level = hour_totals.block_level
            and blocks.block = hour_totals.block
            and hours_of_day.hour_of_day = hour_totals.hour_of_day
),

stepped as (
    select
        filled.*,
        lag(filled.hour_users) over by_block as previous_hour_users
    from filled
    window by_block as (partition by filled.block_level, filled.block order by filled.hour_of_day)
),

ratios as (
    select
        stepped.*,
        case
            when least(stepped.hour_users, stepped.previous_hour_users) > 0
                then
                    cast(
                        abs(stepped.hour_users - stepped.previous_hour_users)
                        as {{ dbt.type_float() }}
                    )
                    / least(stepped.hour_users, stepped.previous_hour_users)
        end as step_ratio
    from stepped
),

flagged as (
    select
        ratios.*,
        coalesce(ratios.step_ratio > {{ var('workhour_jump_threshold') }}, false) as is_jump
    from ratios
)

select * from flagged
