{#
    The program dimension: every program of the programs seed and every program id
    the cohort table uses (an id missing from the seed gets no name), with its
    cohorts.
#}
with

programs as (
    select * from {{ ref('programs') }}
),

dim_cohorts as (
    select * from {{ ref('dim_cohorts') }}
),

cohort_counts as (
    select
        program_id,
        count(*) as cohorts,
        sum(case when is_staff or is_placeholder then 0 else 1 end) as class_cohorts,
        min(start_date) as first_start_date,
        max(end_date) as last_end_date
    from dim_cohorts
    where program_id is not null
    group by program_id
),

final as (
    select
        cast(coalesce(programs.program_id, cohort_counts.program_id) as bigint)
            as program_id,
        programs.program_name,
        programs.program_slug,
        programs.curriculum,
        programs.is_web_dev,
        cast(coalesce(cohort_counts.cohorts, 0) as bigint) as cohorts,
        cast(coalesce(cohort_counts.class_cohorts, 0) as bigint) as class_cohorts,
        cohort_counts.first_start_date,
        cohort_counts.last_end_date
    from programs
    full outer join cohort_counts
        on programs.program_id = cohort_counts.program_id
)

select * from final
