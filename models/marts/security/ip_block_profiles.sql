{#
    Analysis E: every /16 block, and the /24 blocks of the /16 blocks busier than
    var `ip_block_split_daily_users` (average daily unique users), profiled and
    classified. The rules, in order (first match wins):
    1. insufficient data: fewer than `block_min_users` users or `block_min_days` days;
    2. residential: fewer than `block_shared_ip_min_users` users per IP (households);
    3. organisation: shared IPs, a concentrated OS mix (dominating OS at least
       `block_concentrated_os_pct`), quiet weekends and a work-hour pattern;
    4. hotspot: shared IPs, a general OS mix and weekends that are not quiet;
    5. mixed: anything else.
#}
{% set day_names = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] %}
with

os_mix as (
    select * from {{ ref('int_ip_block_os_mix') }}
),

weekdays as (
    select * from {{ ref('int_ip_block_weekdays') }}
),

hour_steps as (
    select * from {{ ref('int_ip_block_hour_steps') }}
),

workhours as (
    select
        block_level,
        block,
        sum(case when is_jump then 1 else 0 end) as workhour_jumps,
        max(hour_users) as peak_hour_users
    from hour_steps
    group by block_level, block
),

peak_hours as (
    select
        hour_steps.block_level,
        hour_steps.block,
        min(hour_steps.hour_of_day) as peak_hour
    from hour_steps
    inner join workhours
        on
            hour_steps.block_level = workhours.block_level
            and hour_steps.block = workhours.block
            and hour_steps.hour_users = workhours.peak_hour_users
    group by hour_steps.block_level, hour_steps.block
),

split_blocks_16 as (
    select block
    from weekdays
    where
        block_level = '/16'
        and daily_users_avg > {{ var('ip_block_split_daily_users') }}
),

profiled_blocks as (
    select
        block_level,
        block
    from os_mix
    where
        block_level = '/16'
        or parent_block_16 in (select split_blocks_16.block from split_blocks_16)
),

joined as (
    select
        os_mix.block_level,
        os_mix.block,
        os_mix.parent_block_16,
        os_mix.unique_users,
        os_mix.distinct_ips,
        round(cast(1.0 * os_mix.unique_users / os_mix.distinct_ips as {{ dbt.type_numeric() }}), 2)
            as users_per_ip,
        os_mix.requests,
        weekdays.active_days,
        weekdays.first_active_date,
        weekdays.last_active_date,
        os_mix.windows_pct,
        os_mix.mac_pct,
        os_mix.linux_pct,
        os_mix.mobile_pct,
        os_mix.other_pct,
        os_mix.dominating_os,
        os_mix.dominating_os_pct,
        os_mix.inequality_index,
        os_mix.gini_os,
        weekdays.monday_users_avg,
        weekdays.tuesday_users_avg,
        weekdays.wednesday_users_avg,
        weekdays.thursday_users_avg,
        weekdays.friday_users_avg,
        weekdays.saturday_users_avg,
        weekdays.sunday_users_avg,
        weekdays.weekday_users_avg,
        weekdays.weekend_users_avg,
        weekdays.daily_users_avg,
        peak_hours.peak_hour,
        workhours.workhour_jumps,
        case
            when workhours.workhour_jumps >= {{ var('workhour_min_jumps') }} then 1 else 0
        end as workhour_pattern_ind,
        weekdays.weekday_high_ind,
        weekdays.weekend_high_ind,
        weekdays.weekday_effect_ind
    from profiled_blocks
    inner join os_mix
        on
            profiled_blocks.block_level = os_mix.block_level
            and profiled_blocks.block = os_mix.block
    inner join weekdays
        on
            profiled_blocks.block_level = weekdays.block_level
            and profiled_blocks.block = weekdays.block
    inner join workhours
        on
            profiled_blocks.block_level = workhours.block_level
            and profiled_blocks.block = workhours.block
    inner join peak_hours
        on
            profiled_blocks.block_level = peak_hours.block_level
            and profiled_blocks.block = peak_hours.block
),

facts as (
    select
        joined.*,
        joined.unique_users < {{ var('block_min_users') }} as is_too_few_users,
        joined.active_days < {{ var('block_min_days') }} as is_too_few_days,
        joined.users_per_ip >= {{ var('block_shared_ip_min_users') }} as has_shared_ips,
        joined.dominating_os_pct >= {{ var('block_concentrated_os_pct') }}
            as has_concentrated_os_mix
    from joined
),

classified as (
    select
        facts.*,
        case
            when facts.is_too_few_users or facts.is_too_few_days then 'insufficient data'
            when not facts.has_shared_ips then 'residential'
            when
                facts.has_concentrated_os_mix
                and facts.weekday_high_ind = 1
                and facts.workhour_pattern_ind = 1
                then 'organisation'
            when not facts.has_concentrated_os_mix and facts.weekday_high_ind = 0 then 'hotspot'
            else 'mixed'
        end as block_kind
    from facts
),

explained as (
    select
        classified.*,
        case
            when classified.block_kind = 'insufficient data'
                then {{ join_non_null(', ', [
                    "case when classified.is_too_few_users then 'too_few_users' end",
                    "case when classified.is_too_few_days then 'too_few_days' end",
                ]) }}
            when classified.block_kind = 'residential' then 'few_users_per_ip'
            else {{ join_non_null(', ', [
                "'shared_ips'",
                "case when classified.has_concentrated_os_mix then 'concentrated_os_mix'"
                ~ " else 'general_os_mix' end",
                "case when classified.weekday_high_ind = 1 then 'quiet_weekends'"
                ~ " when classified.weekend_high_ind = 1 then 'busy_weekends'"
                ~ " else 'even_weekends' end",
                "case when classified.workhour_pattern_ind = 1 then 'workhour_pattern'"
                ~ " else 'no_workhour_pattern' end",
            ]) }}
        end as kind_reasons
    from classified
),

{# The rounded numbers as the contract's numeric(12, 2) and (12, 4): on Spark a rounded
   decimal keeps the precision of its argument (decimal(25, 2)). #}
final as (
    select
        block_level,
        block,
        parent_block_16,
        unique_users,
        distinct_ips,
        cast(users_per_ip as numeric(12, 2)) as users_per_ip,
        requests,
        active_days,
        first_active_date,
        last_active_date,
        {%- for os_pct in ['windows_pct', 'mac_pct', 'linux_pct', 'mobile_pct', 'other_pct'] %}
        cast({{ os_pct }} as numeric(12, 2)) as {{ os_pct }},
        {%- endfor %}
        dominating_os,
        cast(dominating_os_pct as numeric(12, 2)) as dominating_os_pct,
        cast(inequality_index as numeric(12, 4)) as inequality_index,
        cast(gini_os as numeric(12, 4)) as gini_os,
        {%- for days in day_names + ['weekday', 'weekend', 'daily'] %}
        cast({{ days }}_users_avg as numeric(12, 2)) as {{ days }}_users_avg,
        {%- endfor %}
        peak_hour,
        workhour_jumps,
        workhour_pattern_ind,
        weekday_high_ind,
        weekend_high_ind,
        weekday_effect_ind,
        block_kind,
        kind_reasons
    from explained
)

select * from final
