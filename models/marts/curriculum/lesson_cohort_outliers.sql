with

cohort_lesson_rankings as (
    select * from {{ ref('cohort_lesson_rankings') }}
),

dim_cohorts as (
    select * from {{ ref('dim_cohorts') }}
),

ranked_cohorts as (
    select distinct
        program_id,
        cohort_id,
        cohort_name,
        cohort_requests
    from cohort_lesson_rankings
),

{# A cohort whose session the log covers only in part is seen at its start or its end:
   its early (or late) lessons fill its traffic, and its shares say nothing about its
   interest. It is a peer only when the log covers at least `outlier_min_log_coverage`
   of its session; otherwise it is left out, as a subject and as a peer. #}
covered_cohorts as (
    select
        ranked_cohorts.*,
        dim_cohorts.log_coverage,
        dim_cohorts.log_coverage_kind,
        coalesce(
            dim_cohorts.log_coverage >= {{ var('outlier_min_log_coverage') }}, false
        ) as is_peer
    from ranked_cohorts
    left join dim_cohorts
        on ranked_cohorts.cohort_id = dim_cohorts.cohort_id
),

{# The peers of a cohort: the other covered cohorts of its program. With fewer than
   `outlier_min_peer_cohorts` the median and MAD are no robust reference (of 2 peers
   the median is their mean and one odd peer moves it anywhere), so the cohort is not
   scored. #}
cohorts as (
    select
        covered_cohorts.*,
        sum(case when is_peer then 1 else 0 end) over (partition by program_id)
        - case when is_peer then 1 else 0 end as program_peer_cohorts
    from covered_cohorts
),

compared_cohorts as (
    select
        cohorts.*,
        is_peer and program_peer_cohorts >= {{ var('outlier_min_peer_cohorts') }}
            as is_compared
    from cohorts
),

{# Lessons of the program's own curriculum (and navigation). Reading the other
   curriculum is question 5 (cross_program_access): it depends on the date the access
   was cut off, not on a cohort's interest, so cohorts before the cut-off would all
   stand out against the later ones. #}
lessons as (
    select distinct
        program_id,
        path,
        module,
        lesson
    from cohort_lesson_rankings
    where content_curriculum is null or content_curriculum = program_curriculum
),

{# Every cohort of a program against every lesson requested in that program: a cohort
   that never opened a lesson has a share of 0 and still counts as a peer. #}
cohort_lessons as (
    select
        compared_cohorts.program_id,
        compared_cohorts.cohort_id,
        compared_cohorts.cohort_name,
        compared_cohorts.cohort_requests,
        compared_cohorts.log_coverage,
        compared_cohorts.log_coverage_kind,
        compared_cohorts.is_peer,
        compared_cohorts.program_peer_cohorts,
        compared_cohorts.is_compared,
        lessons.path,
        lessons.module,
        lessons.lesson,
        coalesce(cohort_lesson_rankings.requests, 0) as requests,
        coalesce(cohort_lesson_rankings.distinct_users, 0) as distinct_users,
        coalesce(cohort_lesson_rankings.share_of_cohort, 0) as share_of_cohort
    from compared_cohorts
    inner join lessons
        on compared_cohorts.program_id = lessons.program_id
    left join cohort_lesson_rankings
        on
            compared_cohorts.program_id = cohort_lesson_rankings.program_id
            and compared_cohorts.cohort_id = cohort_lesson_rankings.cohort_id
            and lessons.path = cohort_lesson_rankings.path
),

{# Leave-one-out: each cohort is compared with the other compared cohorts of its program
   only, so a strong outlier does not pull its own reference towards itself. #}
peer_pairs as (
    select
        subject.program_id,
        subject.path,
        subject.cohort_id,
        peer.share_of_cohort as peer_share,
        peer.requests as peer_requests,
        peer.distinct_users as peer_users
    from cohort_lessons as subject
    inner join cohort_lessons as peer
        on
            subject.program_id = peer.program_id
            and subject.path = peer.path
            and subject.cohort_id != peer.cohort_id
    where peer.is_peer
),

{# The peers' median, MAD and standard deviation per subject, from windows over the
   pairs sorted within each (program, path, subject): no join of the pairs with their own
   aggregates (a join of two derived relations the planner cannot estimate, which it ran
   as a nested loop over every pair and every subject). The median of n sorted values is
   the value at (1-based) position k with 2k between n and n + 2 (one position when n is
   odd, two when it is even), interpolated as percentile_cont(0.5) does: lower + (upper -
   lower) * 0.5. #}
peer_shares_sorted as (
    select
        program_id,
        path,
        cohort_id,
        peer_share,
        count(*) over (partition by program_id, path, cohort_id) as peer_cohorts,
        sum(peer_requests) over (partition by program_id, path, cohort_id)
            as peer_lesson_requests,
        sum(peer_users) over (partition by program_id, path, cohort_id) as peer_lesson_users,
        {# Summed in the order of the shares: the same float result whatever the plan. #}
        {{ stddev_sample('peer_share') }} over (
            partition by program_id, path, cohort_id
            order by peer_share
            rows between unbounded preceding and unbounded following
        ) as peer_stddev_share,
        row_number() over (
            partition by program_id, path, cohort_id
            order by peer_share
        ) as share_position
    from peer_pairs
),

peer_share_middles as (
    select
        peer_shares_sorted.*,
        min(
            case
                when 2 * share_position between peer_cohorts and peer_cohorts + 2
                    then peer_share
            end
        ) over by_subject as lower_middle_share,
        max(
            case
                when 2 * share_position between peer_cohorts and peer_cohorts + 2
                    then peer_share
            end
        ) over by_subject as upper_middle_share
    from peer_shares_sorted
    window by_subject as (partition by program_id, path, cohort_id)
),

peer_share_medians as (
    select
        program_id,
        path,
        cohort_id,
        peer_cohorts,
        peer_lesson_requests,
        peer_lesson_users,
        peer_stddev_share,
        lower_middle_share
        + (upper_middle_share - lower_middle_share) * cast(0.5 as {{ dbt.type_float() }})
            as peer_median_share,
        peer_share
    from peer_share_middles
),

peer_deviations_sorted as (
    select
        program_id,
        path,
        cohort_id,
        peer_cohorts,
        peer_lesson_requests,
        peer_lesson_users,
        peer_stddev_share,
        peer_median_share,
        abs(peer_share - peer_median_share) as peer_deviation,
        row_number() over (
            partition by program_id, path, cohort_id
            order by abs(peer_share - peer_median_share)
        ) as deviation_position
    from peer_share_medians
),

peer_middle_deviations as (
    select
        peer_deviations_sorted.*,
        2 * deviation_position between peer_cohorts and peer_cohorts + 2 as is_middle
    from peer_deviations_sorted
),

peer_medians as (
    select
        program_id,
        path,
        cohort_id,
        max(peer_cohorts) as peer_cohorts,
        {# Requests per student who requested the lesson, over the peers (at least 1). #}
        cast(
            coalesce(
                greatest(
                    cast(max(peer_lesson_requests) as {{ dbt.type_float() }})
                    / nullif(max(peer_lesson_users), 0),
                    1
                ),
                1
            ) as {{ dbt.type_float() }}
        ) as peer_requests_per_student,
        cast(max(peer_median_share) as {{ dbt.type_float() }}) as peer_median_share,
        cast(
            min(case when is_middle then peer_deviation end)
            + (
                max(case when is_middle then peer_deviation end)
                - min(case when is_middle then peer_deviation end)
            )
            * cast(0.5 as {{ dbt.type_float() }})
            as {{ dbt.type_float() }}
        ) as peer_mad_share,
        cast(max(peer_stddev_share) as {{ dbt.type_float() }}) as peer_stddev_share
    from peer_middle_deviations
    group by
        program_id,
        path,
        cohort_id
),

scaled as (
    select
        cohort_lessons.*,
        peer_medians.peer_cohorts,
        peer_medians.peer_median_share,
        peer_medians.peer_mad_share,
        peer_medians.peer_stddev_share,
        peer_medians.peer_requests_per_student,
        {# 1.4826 * MAD estimates the standard deviation of normal data. #}
        1.4826 * peer_medians.peer_mad_share as mad_scale,
        {# Sampling error of a share of `peer_median_share` over the cohort's requests:
           the noise expected even if the cohort behaved like its peers. Binomial, widened
           by the design effect of requests that come in students: a student who reads a
           lesson reads it several times, so the independent draws are nearer the students
           than the requests. The peers' requests per reading student is that effect
           (at least; Var = mean * E[K^2] / E[K] >= mean * E[K] for K requests per
           student). #}
        sqrt(
            peer_medians.peer_median_share
            * (1 - peer_medians.peer_median_share)
            / cohort_lessons.cohort_requests
            * coalesce(peer_medians.peer_requests_per_student, 1)
        ) as sampling_error
    from cohort_lessons
    left join peer_medians
        on
            cohort_lessons.program_id = peer_medians.program_id
            and cohort_lessons.path = peer_medians.path
            and cohort_lessons.cohort_id = peer_medians.cohort_id
),

{# The scale is 1.4826 * MAD floored at the sampling error, so a few peers with nearly
   equal shares cannot turn a small difference into a huge score. When both are 0
   (more than half of the peers never opened the lesson), fall back to the peers'
   standard deviation; when all peers are equal there is no scale and no score. #}
scaled_with_fallback as (
    select
        scaled.*,
        case
            when greatest(mad_scale, sampling_error) > 0
                then greatest(mad_scale, sampling_error)
            when peer_stddev_share > 0
                then peer_stddev_share
        end as peer_scale
    from scaled
),

scored as (
    select
        scaled_with_fallback.*,
        case
            when is_compared then (share_of_cohort - peer_median_share) / peer_scale
        end as robust_score,
        case
            when is_compared
                then (
                    share_of_cohort
                    - {{ var('outlier_min_share_ratio') }} * peer_median_share
                ) / peer_scale
        end as min_ratio_score,
        share_of_cohort / nullif(peer_median_share, 0) as share_ratio
    from scaled_with_fallback
),

final as (
    select
        {{ dbt.concat([
            dbt.cast('program_id', dbt.type_string()), "':'",
            'path', "':'",
            dbt.cast('cohort_id', dbt.type_string()),
        ]) }} as lesson_cohort_id,
        program_id,
        path,
        module,
        lesson,
        cohort_id,
        cohort_name,
        cast(requests as bigint) as requests,
        cohort_requests,
        share_of_cohort,
        cast(coalesce(peer_cohorts, 0) as bigint) as peer_cohorts,
        peer_requests_per_student,
        peer_median_share,
        peer_mad_share,
        peer_stddev_share,
        cast(peer_scale as {{ dbt.type_float() }}) as peer_scale,
        cast(robust_score as {{ dbt.type_float() }}) as robust_score,
        cast(min_ratio_score as {{ dbt.type_float() }}) as min_ratio_score,
        cast(share_ratio as {{ dbt.type_float() }}) as share_ratio,
        log_coverage,
        log_coverage_kind,
        is_compared,
        case
            when log_coverage is null then 'not in the cohort table'
            when not is_peer
                then {{ dbt.concat([
                    "'the log covers '",
                    dbt.cast(
                        'round(' ~ dbt.cast('100 * log_coverage', dbt.type_numeric()) ~ ', 0)',
                        dbt.type_string(),
                    ),
                    "'% of its session ('",
                    'log_coverage_kind',
                    "')'",
                ]) }}
            when not is_compared
                then {{ dbt.concat([
                    "'only '",
                    dbt.cast('program_peer_cohorts', dbt.type_string()),
                    "' peer cohorts (fewer than '",
                    "'" ~ var('outlier_min_peer_cohorts') ~ "'",
                    "')'",
                ]) }}
        end as left_out_reason,
        {# Significant is not enough: over a million requests a share 1.3 times the
           peers' is far outside the sampling error, yet no news. The share must be
           significantly more than `outlier_min_share_ratio` times the peers' median:
           min_ratio_score, the score against that bar, above the threshold too. A share
           that is merely 2.1 times the median in its point estimate is, over thousands
           of cells of a small log, often chance. #}
        coalesce(
            robust_score > {{ var('outlier_score_threshold') }}
            and min_ratio_score > {{ var('outlier_score_threshold') }}
            and requests >= {{ var('outlier_min_requests') }},
            false
        ) as is_outlier
    from scored
)

select * from final
