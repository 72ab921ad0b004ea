{#
    Averages are per day of the log, not per active day of the block: a block that
    is silent at weekends has a weekend average of 0. The log's days are the dates
    on which any block had a user (days with no traffic at all are unknown, not
    zero). Day of week: ISO, 1 = Monday .. 7 = Sunday (local dates).
#}
{% set day_names = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] %}

with

daily as (
    select * from {{ ref('int_ip_block_daily') }}
),

log_days as (
    select distinct
        activity_date,
        day_of_week
    from daily
),

log_day_counts as (
    select
        {%- for day_name in day_names %}
        sum(case when day_of_week = {{ loop.index }} then 1 else 0 end) as {{ day_name }}_days,
        {%- endfor %}
        sum(case when day_of_week in (6, 7) then 0 else 1 end) as weekday_days,
        sum(case when day_of_week in (6, 7) then 1 else 0 end) as weekend_days,
        count(*) as log_days
    from log_days
),

block_sums as (
    select
        block_level,
        block,
        parent_block_16,
        {%- for day_name in day_names %}
        sum(case when day_of_week = {{ loop.index }} then unique_users else 0 end)
            as {{ day_name }}_users,
        {%- endfor %}
        sum(case when day_of_week in (6, 7) then 0 else unique_users end) as weekday_users,
        sum(case when day_of_week in (6, 7) then unique_users else 0 end) as weekend_users,
        sum(unique_users) as user_days,
        count(*) as active_days,
        min(activity_date) as first_active_date,
        max(activity_date) as last_active_date
    from daily
    group by block_level, block, parent_block_16
),

averages as (
    select
        block_sums.block_level,
        block_sums.block,
        block_sums.parent_block_16,
        block_sums.active_days,
        block_sums.first_active_date,
        block_sums.last_active_date,
        {%- for day_name in day_names %}
        round(cast(
            1.0 * block_sums.{{ day_name }}_users
            / nullif(log_day_counts.{{ day_name }}_days, 0) as {{ dbt.type_numeric() }}
        ), 2) as {{ day_name }}_users_avg,
        {%- endfor %}
        round(cast(
            1.0 * block_sums.weekday_users / nullif(log_day_counts.weekday_days, 0)
            as {{ dbt.type_numeric() }}
        ), 2) as weekday_users_avg,
        round(cast(
            1.0 * block_sums.weekend_users / nullif(log_day_counts.weekend_days, 0)
            as {{ dbt.type_numeric() }}
        ), 2) as weekend_users_avg,
        round(cast(
            1.0 * block_sums.user_days / log_day_counts.log_days as {{ dbt.type_numeric() }}
        ), 2) as daily_users_avg,
        {# Unrounded, for the comparisons below. #}
        1.0 * block_sums.weekday_users / nullif(log_day_counts.weekday_days, 0) as weekday_mean,
        1.0 * block_sums.weekend_users / nullif(log_day_counts.weekend_days, 0) as weekend_mean
    from block_sums
    cross join log_day_counts
),

indicators as (
    select
        averages.*,
        case
            when averages.weekday_mean > {{ var('weekday_effect_ratio') }} * averages.weekend_mean
                then 1
            else 0
        end as weekday_high_ind,
        case
            when averages.weekend_mean > {{ var('weekday_effect_ratio') }} * averages.weekday_mean
                then 1
            else 0
        end as weekend_high_ind
    from averages
),

final as (
    select
        block_level,
        block,
        parent_block_16,
        active_days,
        first_active_date,
        last_active_date,
        {%- for day_name in day_names %}
        {{ day_name }}_users_avg,
        {%- endfor %}
        weekday_users_avg,
        weekend_users_avg,
        daily_users_avg,
        weekday_high_ind,
        weekend_high_ind,
        case when weekday_high_ind = 1 or weekend_high_ind = 1 then 1 else 0 end
            as weekday_effect_ind
    from indicators
)

select * from final
