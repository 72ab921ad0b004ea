with

requests as (
    select * from {{ ref('int_requests_sessionized') }}
),

{# Lesson pages only: assets are not read, and the home page has no module. #}
lesson_views as (
    select
        request_id,
        user_key,
        session_id,
        requested_at,
        path,
        module,
        lesson,
        dwell_seconds,
        dwell_seconds is null as is_session_exit
    from requests
    where
        not is_asset
        and coalesce(module, '') != ''
)

select * from lesson_views
