{# Question 2: did a cohort refer to a lesson significantly more than the other cohorts
   of its program? Flagged cohorts, strongest first (shares of each cohort's own
   traffic, so a merely more active cohort is not flagged). #}
with

lesson_cohort_outliers as (
    select * from {{ ref('lesson_cohort_outliers') }}
)

select
    program_id,
    cohort_id,
    cohort_name,
    path,
    requests,
    share_of_cohort,
    peer_median_share,
    share_ratio,
    robust_score
from lesson_cohort_outliers
where is_outlier
order by robust_score desc, program_id asc, path asc, cohort_id asc
