{# Requests dated after "now" plus the tolerance: kept out of sessions, listed here.
   Read from the unioned requests, which keep each request's file and line (and an
   index on requested_at). #}
with

requests as (
    select * from {{ ref('int_requests_unioned') }}
),

future_dated as (
    select
        request_id,
        log_kind,
        source_file,
        line_number,
        requested_at,
        user_key,
        loaded_at
    from requests
    where {{ is_future_dated('requested_at') }}
)

select * from future_dated
