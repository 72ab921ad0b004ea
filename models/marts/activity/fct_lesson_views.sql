{# The lesson views with their dwell times: a table for BI tools, lesson_dwell_times
   and the Welch's t-test of the report; the contract in the YAML lists its columns.
   The unique index on request_id is the key, checked on write (its unique test reads
   the catalog: macro key_not_enforced). #}
{{
    config(
        indexes=[{'columns': ['request_id'], 'unique': True}],
    )
}}

{#- The request's columns the page views carry; a lesson view keeps them, its session's
    start hashed into session_id once per lesson view at the end (macro sessionized_id). #}
{%- set view_columns = [
    'request_id', 'user_key', 'session_started_at', 'requested_at', 'path', 'module', 'lesson',
] %}

with

requests as (
    select * from {{ ref('int_requests_sessionized') }}
),

{# Page views only: a page's own images and json arrive right after it, so the time to
   the next request of any kind would make every image-heavy lesson look abandoned.
   The home page is a page view (reading a lesson then going home ends the dwell).
   The requests of a session are consecutive among its user's (doc block session), so the
   next page view in the session is the user's next page view with the same session
   start. Ordered by user and time, not by session_id (a hash), the rows are read in the
   order the sessionization stored them: sorting them is cheap. #}
page_views as (
    select
        {{ view_columns | join(',\n        ') }},
        is_lesson_view,
        lead(session_started_at) over by_user as next_session_started_at,
        lead(requested_at) over by_user as next_requested_at
    from requests
    where not is_asset
    window by_user as (partition by user_key order by requested_at, request_id)
),

in_session as (
    select
        {{ view_columns | join(',\n        ') }},
        is_lesson_view,
        case when next_session_started_at = session_started_at then next_requested_at end
            as next_page_view_at
    from page_views
),

{# Lesson views (int_request_paths.is_lesson_view): not the home page. #}
lesson_views as (
    select
        request_id,
        user_key,
        {{ sessionized_id('session_started_at') }} as session_id,
        requested_at,
        path,
        module,
        lesson,
        {{ seconds_between('requested_at', 'next_page_view_at') }} as dwell_seconds,
        next_page_view_at is null as is_session_exit
    from in_session
    where is_lesson_view
)

select * from lesson_views
