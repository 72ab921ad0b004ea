{#
    The requests that human analytics see, with their visit, session and activity:
    every model of sessions, activities and IP blocks reads this view, so non-human
    traffic stays out of them (var `include_automated_traffic`).
#}
with

requests as (
    select * from {{ ref('int_requests_sessionized_all_traffic') }}
),

in_sessions as (
    select * from requests
    where is_in_sessions
)

select * from in_sessions
