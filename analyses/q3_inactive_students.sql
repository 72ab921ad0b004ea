-- Question 3: students who hardly used the curriculum while their class was in
-- session, most suspicious first (one-day accounts on a staff IP look like
-- instructors' test accounts).
select
    user_id,
    cohort_name,
    program_id,
    in_session_requests,
    total_requests,
    days_active,
    ips,
    shares_ip_with_staff,
    is_one_day_account
from {{ ref('inactive_students') }}
order by
    is_one_day_account desc,
    shares_ip_with_staff desc,
    in_session_requests asc,
    user_id asc
