-- Question 6: the five lessons graduates of each program keep coming back to.
select
    program_slug,
    rank_in_program,
    path,
    requests,
    distinct_users,
    round(cast(mean_months_since_graduation as numeric), 1) as mean_months_since_graduation
from {{ ref('post_graduation_topics') }}
where rank_in_program <= 5
order by program_slug, rank_in_program, path
