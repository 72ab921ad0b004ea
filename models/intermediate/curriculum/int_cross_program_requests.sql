{#
    Cross-program requests: a student of one curriculum (web_dev, data_science) viewing
    a lesson (int_request_paths.is_lesson_view) of the other. Staff may read everything:
    left out here, once, for cross_program_access and cross_program_cutoffs.
    A table: a few rows per thousand requests, read by both marts and the key tests,
    which would otherwise each run int_requests_enriched's joins over every request.
#}
{{ config(materialized='table') }}

with

requests as (
    select * from {{ ref('int_requests_enriched') }}
    where log_kind = 'curriculum'
),

cross_requests as (
    select
        request_id,
        requested_date,
        program_curriculum,
        content_curriculum,
        {{ dbt.concat(['program_curriculum', "'_to_'", 'content_curriculum']) }} as direction,
        user_id
    from requests
    where
        is_cross_program
        and not is_staff
        and is_lesson_view
)

select * from cross_requests
