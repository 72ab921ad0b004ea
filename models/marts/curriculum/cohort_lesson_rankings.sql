{# The grouping columns of a lesson in a cohort. #}
{% set lesson_columns = [
    'program_id', 'program_curriculum', 'cohort_id', 'cohort_name',
    'path', 'module', 'lesson', 'content_curriculum',
] %}

with

requests as (
    select * from {{ ref('int_requests_enriched') }}
),

{# Students of real classes while their cohort was in session: the `during` phase
   already leaves out staff, requests without a cohort and unknown cohorts.
   Two steps: requests per user of each lesson and cohort first (a hash aggregate to
   far fewer rows than requests), then users and requests per lesson and cohort. A
   count(distinct) over the requests themselves would sort every request on the eight
   wide grouping columns. #}
lesson_user_counts as (
    select
        {{ lesson_columns | join(',\n        ') }},
        user_key,
        count(*) as requests
    from requests
    where
        cohort_phase = 'during'
        and not is_staff
        and is_lesson_view
        and program_id is not null
    group by
        {{ lesson_columns | join(',\n        ') }},
        user_key
),

lesson_counts as (
    select
        {{ lesson_columns | join(',\n        ') }},
        cast(sum(requests) as bigint) as requests,
        {# count(distinct user_key): one row per user, a missing user_key not counted. #}
        count(user_key) as distinct_users
    from lesson_user_counts
    group by
        {{ lesson_columns | join(',\n        ') }}
),

ranked as (
    select
        lesson_counts.*,
        sum(requests) over by_cohort as cohort_requests,
        {# Ties in requests are broken by path, so each cohort has exactly one lesson
           per rank and at most `lesson_top_n` top lessons. #}
        {#- bigint on every engine (Spark's row_number is an int). -#}
        cast(row_number() over (
            partition by program_id, cohort_id
            order by requests desc, path asc
        ) as {{ dbt.type_bigint() }}) as rank_in_cohort
    from lesson_counts
    window by_cohort as (partition by program_id, cohort_id)
),

final as (
    select
        {{ dbt.concat([dbt.cast('cohort_id', dbt.type_string()), "':'", 'path']) }}
            as cohort_lesson_id,
        program_id,
        program_curriculum,
        cohort_id,
        cohort_name,
        path,
        module,
        lesson,
        content_curriculum,
        requests,
        distinct_users,
        cast(cohort_requests as bigint) as cohort_requests,
        cast(requests as {{ dbt.type_float() }})
        / cast(cohort_requests as {{ dbt.type_float() }}) as share_of_cohort,
        rank_in_cohort,
        rank_in_cohort <= {{ var('lesson_top_n') }} as is_top_n
    from ranked
)

select * from final
