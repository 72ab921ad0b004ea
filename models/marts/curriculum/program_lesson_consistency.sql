with

cohort_lesson_rankings as (
    select * from {{ ref('cohort_lesson_rankings') }}
),

program_cohorts as (
    select
        program_id,
        count(distinct cohort_id) as cohorts_in_program
    from cohort_lesson_rankings
    group by program_id
),

lesson_totals as (
    select
        program_id,
        program_curriculum,
        path,
        module,
        lesson,
        content_curriculum,
        count(*) as cohorts_seen,
        sum(case when is_top_n then 1 else 0 end) as top_n_cohorts,
        cast({{ median('rank_in_cohort') }} as {{ dbt.type_float() }}) as median_rank,
        sum(requests) as total_requests
    from cohort_lesson_rankings
    group by
        program_id,
        program_curriculum,
        path,
        module,
        lesson,
        content_curriculum
),

measured as (
    select
        lesson_totals.*,
        program_cohorts.cohorts_in_program,
        cast(lesson_totals.top_n_cohorts as {{ dbt.type_float() }})
        / cast(program_cohorts.cohorts_in_program as {{ dbt.type_float() }}) as top_n_share,
        {# Question 7 only ranks lessons the program's students were meant to read: the
           content's curriculum is the program's own (navigation pages such as `toc`
           have none and are left out). Lessons nobody of the program requested are
           not in the log, so they cannot be ranked here. #}
        coalesce(
            lesson_totals.content_curriculum = lesson_totals.program_curriculum, false
        ) as is_program_curriculum
    from lesson_totals
    inner join program_cohorts
        on lesson_totals.program_id = program_cohorts.program_id
),

ranked as (
    select
        measured.*,
        row_number() over (
            partition by program_id
            order by top_n_share desc, median_rank asc, total_requests desc, path asc
        ) as consistency_rank,
        case
            when is_program_curriculum
                then row_number() over (
                    partition by program_id, is_program_curriculum
                    order by total_requests asc, path asc
                )
        end as least_accessed_rank
    from measured
),

final as (
    select
        {{ dbt.concat([dbt.cast('program_id', dbt.type_string()), "':'", 'path']) }}
            as program_lesson_id,
        program_id,
        program_curriculum,
        path,
        module,
        lesson,
        content_curriculum,
        is_program_curriculum,
        cast(cohorts_in_program as bigint) as cohorts_in_program,
        cast(cohorts_seen as bigint) as cohorts_seen,
        cast(top_n_cohorts as bigint) as top_n_cohorts,
        top_n_share,
        median_rank,
        cast(total_requests as bigint) as total_requests,
        cast(consistency_rank as bigint) as consistency_rank,
        cast(least_accessed_rank as bigint) as least_accessed_rank
    from ranked
)

select * from final
