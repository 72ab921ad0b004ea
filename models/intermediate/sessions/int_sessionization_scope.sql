-- depends_on: {{ ref('int_requests_enriched') }}
-- depends_on: {{ ref('int_requests_unioned') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        indexes=[{'columns': ['scoped_at']}],
    )
}}

{#
    The incremental scope of the sessions: one row per user whose sessions a run
    recomputes, with the point to recompute from, stamped with the run (`scoped_at`).
    The three incremental sessions models (int_requests_sessionized_all_traffic,
    fct_sessions, fct_activities) join the rows stamped after their own last run
    (macro sessionized_batch_scope), so a model that missed a run catches up.

    A user is recomputed when it has requests enriched since the last sessionization
    (new ones, and those whose enrichment changed: an IP and user agent got another
    traffic class as data arrived, a user agent was classified again, a cohort loaded
    again), or dated after that run's "now" (future-dated then, not any more), each
    found through an index. It is recomputed from the start of the visit holding (or
    preceding) its earliest new request: earlier visits cannot change, and a visit start
    is also a session and activity start, so the recomputed part starts clean. The
    sessions as they were come from the sessionization's own table, read directly (the
    model that this scope feeds cannot be a `ref` of it). Without that table, or on a
    full refresh, every user is recomputed from its first request.
#}

{%- set sessionized = adapter.get_relation(
    database=this.database,
    schema=this.schema,
    identifier='int_requests_sessionized_all_traffic',
) if execute else none -%}

with

{% if sessionized is not none and not flags.FULL_REFRESH %}

{#- The last run's "now" (plus the tolerance): one value per run, growing with the runs,
    so it is that of any row of the latest run, found through the index on sessionized_at. #}
{%- set sessionized_until = incremental_watermark(
    'sessionized_until',
    '(select * from ' ~ sessionized ~ ' where sessionized_at = '
    ~ incremental_watermark('sessionized_at', sessionized) ~ ' limit 1) as latest_run',
) %}

new_requests as (
    select
        user_key,
        min(requested_at) as earliest_new_at
    from {{ ref('int_requests_enriched') }}
    where
        not {{ is_future_dated('requested_at') }}
        and (
            enriched_at > {{ incremental_watermark('sessionized_at', sessionized) }}
            or {{ in_subquery(
                'request_id',
                'select unioned.request_id from ' ~ ref('int_requests_unioned')
                ~ ' as unioned where unioned.requested_at > ' ~ sessionized_until,
            ) }}
        )
    group by user_key
),

previous_visits as (
    {{ latest_sessionized_before(
        'new_requests', 'earliest_new_at', 'visit_started_at', sessionized, inclusive=true
    ) }}
),

scope as (
    select
        new_requests.user_key,
        coalesce(
            previous_visits.visit_started_at, new_requests.earliest_new_at
        ) as recompute_from
    from new_requests
    left join previous_visits
        on new_requests.user_key = previous_visits.user_key
),

{% else %}

scope as (
    select
        user_key,
        min(requested_at) as recompute_from
    from {{ ref('int_requests_unioned') }}
    group by user_key
),

{% endif %}

stamped as (
    select
        user_key,
        recompute_from,
        {{ dbt.current_timestamp() }} as scoped_at
    from scope
)

select * from stamped
