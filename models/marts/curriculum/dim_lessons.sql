{#
    The lesson dimension: every path requested as a page that is neither an asset nor
    the home page, in any log, with its module, lesson and curriculum. Read from the
    stored request stream (no joins per request), so it also holds lessons seen only
    in requests dated in the future or made by automated traffic.
#}
with

int_requests_unioned as (
    select * from {{ ref('int_requests_unioned') }}
),

module_curricula as (
    select * from {{ ref('module_curricula') }}
),

lesson_requests as (
    select
        path,
        module,
        lesson,
        count(*) as requests,
        sum(case when log_kind = 'curriculum' then 1 else 0 end) as curriculum_requests,
        min(requested_at) as first_requested_at,
        max(requested_at) as last_requested_at
    from int_requests_unioned
    where
        is_lesson_view
    group by path, module, lesson
),

final as (
    select
        lesson_requests.path,
        lesson_requests.module,
        lesson_requests.lesson,
        module_curricula.curriculum as content_curriculum,
        cast(lesson_requests.requests as bigint) as requests,
        cast(lesson_requests.curriculum_requests as bigint) as curriculum_requests,
        lesson_requests.first_requested_at,
        lesson_requests.last_requested_at
    from lesson_requests
    left join module_curricula
        on lesson_requests.module = module_curricula.module
)

select * from final
