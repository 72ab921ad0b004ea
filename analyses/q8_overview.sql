-- Question 8: where the traffic comes from, per program: requests without a cohort,
-- the staff pseudo-cohort, placeholder cohorts and classes, and how much of it is
-- assets or happens after graduation.
select
    coalesce(program_slug, '(no cohort)') as program_label,
    case
        when cohort_id is null then 'no cohort'
        when is_staff_cohort then 'staff'
        when is_placeholder_cohort then 'placeholder'
        else 'class'
    end as cohort_kind,
    count(*) as cohorts,
    sum(requests) as requests,
    sum(distinct_users) as distinct_users,
    round(cast(sum(requests * asset_share) / sum(requests) as numeric), 3) as asset_share,
    sum(before_session_requests) as before_session_requests,
    sum(in_session_requests) as in_session_requests,
    sum(after_session_requests) as after_session_requests
from {{ ref('program_overview') }}
group by 1, 2
order by 4 desc
