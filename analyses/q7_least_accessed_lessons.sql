{# Question 7: which lessons are least accessed? The five least requested lessons of
   each program's own curriculum (lessons of other curricula and navigation pages are
   left out; lessons nobody of the program requested are not in the log). #}
with

program_lesson_consistency as (
    select * from {{ ref('program_lesson_consistency') }}
)

select
    program_id,
    least_accessed_rank,
    path,
    total_requests,
    cohorts_seen,
    cohorts_in_program
from program_lesson_consistency
where least_accessed_rank <= 5
order by program_id asc, least_accessed_rank asc
