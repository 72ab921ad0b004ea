{#
    The requests that human analytics see, with their visit, session and activity:
    every model of sessions, activities and IP blocks reads this view, so non-human
    traffic stays out of them (var `include_automated_traffic`).
    One select, no import CTE (an exception to the house style, on purpose): PostgreSQL
    merges a view without WITH into the query that reads it, so a reader that orders
    the requests by user and time walks the table's (user_key, requested_at) index
    (nearly the order the rows are stored in: the sessionization writes them in the order
    of its windows) instead of sorting every request. A view with WITH
    is planned apart from its readers. (At 10M: fct_lesson_views 15.3 and 16.6 s with
    WITH, 11.0 and 11.9 s without; docs/performance.md.)
#}
select *
from {{ ref('int_requests_sessionized_all_traffic') }}
where is_in_sessions
