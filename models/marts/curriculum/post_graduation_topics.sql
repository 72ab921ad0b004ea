{#
    Question 6: what graduates keep reading. A graduate is a student of a class (not
    staff, not a placeholder cohort) requesting after the cohort's end date. Only
    lesson views count: assets and the home page are not topics.
#}
with

requests as (
    select * from {{ ref('int_requests_enriched') }}
    where log_kind = 'curriculum'
),

graduation_days as (
    select
        requests.*,
        {{ dbt.datediff('cohort_end_date', 'requested_date', 'day') }}
            as days_since_graduation
    from requests
),

{# `after` is only ever a class's phase: staff and placeholder cohorts have their own. #}
after_requests as (
    select
        cohort_id,
        program_id,
        program_slug,
        path,
        module,
        lesson,
        user_id,
        count(*) as requests,
        {# In floating point: Spark rounds a decimal quotient to 6 decimals. #}
        cast(sum(days_since_graduation) as {{ dbt.type_float() }}) / 30.4375
            as sum_months_since_graduation
    from graduation_days
    where
        cohort_phase = 'after'
        and is_lesson_view
    group by cohort_id, program_id, program_slug, path, module, lesson, user_id
),

topics as (
    select
        program_id,
        program_slug,
        path,
        module,
        lesson,
        cast(sum(requests) as {{ dbt.type_bigint() }}) as requests,
        count(distinct user_id) as distinct_users,
        cast(
            sum(sum_months_since_graduation) / sum(requests) as {{ dbt.type_float() }}
        ) as mean_months_since_graduation
    from after_requests
    group by program_id, program_slug, path, module, lesson
),

ranked as (
    select
        topics.*,
        {#- bigint on every engine (Spark's rank is an int). -#}
        cast(rank() over (
            partition by program_id order by requests desc
        ) as {{ dbt.type_bigint() }}) as rank_in_program
    from topics
)

select * from ranked
