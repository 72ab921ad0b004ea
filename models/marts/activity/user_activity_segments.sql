with

int_user_daily_profiles as (
    select * from {{ ref('int_user_daily_profiles') }}
),

int_activity_reference_profile as (
    select * from {{ ref('int_activity_reference_profile') }}
),

{# Deviation score: the total variation distance between the user's normalised daily
   profile and the reference, half the sum of absolute differences over the 96 bins:
   the share of the user's requests that would have to move to another quarter-hour
   to match the reference (0 = identical, 1 = disjoint). #}
distances as (
    select
        int_user_daily_profiles.user_key,
        max(int_user_daily_profiles.total_requests) as total_requests,
        max(int_user_daily_profiles.activity_quartile) as activity_quartile,
        sum(
            abs(
                int_user_daily_profiles.share_of_user_requests
                - int_activity_reference_profile.reference_share
            )
        ) / 2 as deviation_score
    from int_user_daily_profiles
    inner join int_activity_reference_profile
        on int_user_daily_profiles.quarter_hour = int_activity_reference_profile.quarter_hour
    group by int_user_daily_profiles.user_key
),

spread as (
    select
        avg(deviation_score) as mean_score,
        {{ stddev_sample('deviation_score') }} as stddev_score
    from distances
),

scored as (
    select
        distances.*,
        (distances.deviation_score - spread.mean_score)
        / nullif(spread.stddev_score, 0) as deviation_z
    from distances
    cross join spread
),

final as (
    select
        user_key,
        cast(total_requests as bigint) as total_requests,
        cast(activity_quartile as integer) as activity_quartile,
        activity_quartile in (2, 3) as is_in_reference,
        cast(deviation_score as {{ dbt.type_float() }}) as deviation_score,
        cast(deviation_z as {{ dbt.type_float() }}) as deviation_z,
        coalesce(
            deviation_z > {{ var('profile_deviation_sd_threshold') }}, false
        ) as is_deviating
    from scored
)

select * from final
