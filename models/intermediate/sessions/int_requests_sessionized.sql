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
    The ids of sessions and activities (macro sessionized_id) are computed here, for
    the readers that name them: PostgreSQL computes a merged view's column only where
    the query uses it.
#}
select
    sessionized.*,
    {{ sessionized_id('sessionized.session_started_at', 'sessionized.user_key') }} as session_id,
    {{ sessionized_id('sessionized.activity_started_at', 'sessionized.user_key') }}
        as activity_id
from {{ ref('int_requests_sessionized_all_traffic') }} as sessionized
where sessionized.is_in_sessions
