with

int_user_daily_requests as (
    select * from {{ ref('int_user_daily_requests') }}
),

first_seen as (
    select
        user_key,
        min(activity_date) as first_seen_date
    from int_user_daily_requests
    group by user_key
),

offsets as (
    select cast(generated_number as integer) as day_offset
    from ({{ dbt.generate_series(var('anomaly_window_days')) }}) as series
),

{# The baseline window of a day: the anomaly_window_days calendar days before it,
   never the day itself, by date arithmetic (not by row offsets, which would reach
   further back when days are missing). A day without requests counts as 0; days
   before the user was first seen are not history and are left out. #}
window_days as (
    select
        scored_days.user_key,
        scored_days.activity_date,
        coalesce(earlier.requests, 0) as window_requests
    from int_user_daily_requests as scored_days
    inner join first_seen
        on scored_days.user_key = first_seen.user_key
    cross join offsets
    left join int_user_daily_requests as earlier
        on
            scored_days.user_key = earlier.user_key
            and earlier.activity_date = cast(
                {{ dbt.dateadd('day', '-1 * offsets.day_offset', 'scored_days.activity_date') }}
                as date
            )
    where
        cast(
            {{ dbt.dateadd('day', '-1 * offsets.day_offset', 'scored_days.activity_date') }}
            as date
        ) >= first_seen.first_seen_date
),

baseline_medians as (
    select
        user_key,
        activity_date,
        count(*) as history_days,
        {{ median('window_requests') }} as baseline_median
    from window_days
    group by user_key, activity_date
),

baseline_deviations as (
    select
        window_days.user_key,
        window_days.activity_date,
        {{ median('abs(window_days.window_requests - baseline_medians.baseline_median)') }}
            as baseline_mad
    from window_days
    inner join baseline_medians
        on
            window_days.user_key = baseline_medians.user_key
            and window_days.activity_date = baseline_medians.activity_date
    group by window_days.user_key, window_days.activity_date
),

{# 1.4826 * MAD estimates the standard deviation of normal data. After a quiet week
   the MAD is 0 (or 1 or 2) and any busy day would score in the hundreds: the scale
   is floored at anomaly_min_scale requests. #}
scaled as (
    select
        scored_days.user_key,
        scored_days.user_id,
        scored_days.activity_date,
        scored_days.requests,
        coalesce(baseline_medians.history_days, 0) as history_days,
        baseline_medians.baseline_median,
        baseline_deviations.baseline_mad,
        greatest(
            1.4826 * baseline_deviations.baseline_mad, {{ var('anomaly_min_scale') }}
        ) as baseline_scale
    from int_user_daily_requests as scored_days
    left join baseline_medians
        on
            scored_days.user_key = baseline_medians.user_key
            and scored_days.activity_date = baseline_medians.activity_date
    left join baseline_deviations
        on
            scored_days.user_key = baseline_deviations.user_key
            and scored_days.activity_date = baseline_deviations.activity_date
),

scored as (
    select
        scaled.*,
        history_days >= {{ var('anomaly_min_history_days') }} as has_min_history,
        case
            when history_days >= {{ var('anomaly_min_history_days') }}
                then (requests - baseline_median) / nullif(baseline_scale, 0)
        end as robust_score
    from scaled
),

final as (
    select
        user_key,
        user_id,
        activity_date,
        cast(requests as bigint) as requests,
        cast(history_days as integer) as history_days,
        has_min_history,
        cast(baseline_median as {{ dbt.type_float() }}) as baseline_median,
        cast(baseline_mad as {{ dbt.type_float() }}) as baseline_mad,
        cast(baseline_scale as {{ dbt.type_float() }}) as baseline_scale,
        cast(robust_score as {{ dbt.type_float() }}) as robust_score,
        coalesce(robust_score > {{ var('anomaly_score_threshold') }}, false) as is_anomaly
    from scored
)

select * from final
