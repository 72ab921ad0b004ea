{# Question 1: which lessons attract the most traffic consistently across the cohorts
   of each program? The five most consistent lessons per program: top in the largest
   share of the program's cohorts, then by median rank. #}
with

program_lesson_consistency as (
    select * from {{ ref('program_lesson_consistency') }}
)

select
    program_id,
    consistency_rank,
    path,
    top_n_cohorts,
    cohorts_in_program,
    top_n_share,
    median_rank,
    total_requests
from program_lesson_consistency
where consistency_rank <= 5
order by program_id asc, consistency_rank asc
