-- depends_on: {{ ref('int_sessionization_scope') }}
{# The unique index on request_id is the key, checked on every write (incremental runs
    too): the key's unique test reads the catalog (macro key_not_enforced). #}
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_key_tail',
        tail_column='requested_at',
        indexes=[
            {'columns': ['request_id'], 'unique': True},
            {'columns': ['user_key', 'requested_at']},
            {'columns': ['sessionized_at']},
        ],
    )
}}

{#
    Every request but the future-dated ones, with its traffic class; the requests that
    human analytics see (`is_in_sessions`: human traffic, or all with the var
    `include_automated_traffic`) get their visit, session and activity, the others
    none. Incremental: a run recomputes the users of the incremental scope
    (int_sessionization_scope: users with new requests, or with requests whose traffic
    class changed) from the point the scope gives. Every request of a recomputed user
    from that point is in the batch, so the replaced tail leaves nothing stale, even
    when a user's requests all left the sessions.
#}

{#- An incremental run reads only the recent requests of the users in the scope, through
    the index on (user_key, requested_at). #}
{%- set in_scope = sessionized_batch_bounds(
    'enriched', sessionized_batch_scope()
) if is_incremental() else 'true' %}

{# The columns the readers of the sessions use, no more: every request is a row here. #}
{% set request_columns = [
    'log_kind', 'user_id', 'ip', 'block_16', 'block_24', 'user_agent_key', 'os_class',
    'device_class', 'is_bot', 'traffic_class', 'is_in_sessions', 'path', 'module',
    'lesson', 'is_asset', 'is_lesson_view', 'requested_local_time', 'loaded_at',
] %}

with

{# Only the columns the sessions carry: narrow rows through the one sort and its windows. #}
requests as (
    select
        enriched.request_id,
        enriched.user_key,
        enriched.requested_at,
        {%- for column in request_columns if column != 'is_in_sessions' %}
        enriched.{{ column }},
        {%- endfor %}
        {{ 'true' if var('include_automated_traffic') else "enriched.traffic_class = 'human'" }}
            as is_in_sessions
    from {{ ref('int_requests_enriched') }} as enriched
    where
        not {{ is_future_dated('enriched.requested_at') }}
        and {{ in_scope }}
),

{% if is_incremental() %}

scope as (
    {{ sessionized_batch_scope() }}
),

{# The last request before the recomputed part, so that the first recomputed request
   still knows the time since its predecessor. #}
last_kept as (
    {{ latest_sessionized_before('scope', 'recompute_from', 'requested_at', this) }}
),

scoped_requests as (
    select
        requests.*,
        last_kept.requested_at as previous_kept_at
    from requests
    inner join scope
        on
            requests.user_key = scope.user_key
            and requests.requested_at >= scope.recompute_from
    left join last_kept
        on requests.user_key = last_kept.user_key
),

{% else %}

scoped_requests as (
    select
        requests.*,
        cast(null as {{ dbt.type_timestamp() }}) as previous_kept_at
    from requests
),

{% endif %}

{# One sort: every window below runs over the same order (the requests in the
   sessions and those left out are separate partitions), so PostgreSQL sorts the rows
   once. A visit, activity or session start is the latest flagged request so far (a
   running max over the same order), not a group of its own to sort again. #}
gaps as (
    select
        scoped_requests.*,
        case
            when is_in_sessions
                then coalesce(lag(requested_at) over by_user, previous_kept_at)
        end as previous_at
    from scoped_requests
    window by_user as (
        partition by user_key, is_in_sessions order by requested_at, request_id
    )
),

starts as (
    select
        gaps.*,
        {{ seconds_between('previous_at', 'requested_at') }} as seconds_since_previous,
        is_in_sessions and coalesce(
            {{ seconds_between('previous_at', 'requested_at') }}
            > {{ var('session_gap_minutes') }} * 60,
            true
        ) as is_visit_start,
        is_in_sessions and coalesce(
            {{ seconds_between('previous_at', 'requested_at') }}
            >= {{ var('activity_gap_minutes') }} * 60,
            true
        ) as is_activity_start
    from gaps
),

visits as (
    select
        starts.*,
        max(case when is_visit_start then requested_at end) over running
            as visit_started_at,
        max(case when is_activity_start then requested_at end) over running
            as activity_started_at
    from starts
    window running as (
        partition by user_key, is_in_sessions order by requested_at, request_id
        rows between unbounded preceding and current row
    )
),

{# Sessions are visits cut into pieces of at most max_session_hours, counted from
   the visit's first request, so the cut points do not depend on where a run starts.
   A session starts at a visit start or where the piece changes from the previous
   request's (the previous request of the same visit). #}
pieces as (
    select
        visits.*,
        is_visit_start
        or floor(
            {{ seconds_between('visit_started_at', 'requested_at') }}
            / ({{ var('max_session_hours') }} * 3600)
        )
        > floor(
            {{ seconds_between('visit_started_at', 'previous_at') }}
            / ({{ var('max_session_hours') }} * 3600)
        ) as is_session_start
    from visits
),

sessions as (
    select
        pieces.*,
        max(case when is_session_start then requested_at end) over running
            as session_started_at
    from pieces
    window running as (
        partition by user_key, is_in_sessions order by requested_at, request_id
        rows between unbounded preceding and current row
    )
),

{# Requests left out of the sessions keep their row, without a session. A session's and
   an activity's id are their user and start hashed (macro sessionized_id): the view
   int_requests_sessionized adds them, and the marts hash each once per session,
   activity or lesson view, not every request here (two hashes per request were a
   fifth of this model's time, 66 bytes of every row). #}
sessionized as (
    select
        request_id,
        user_key,
        requested_at,
        session_started_at,
        visit_started_at,
        activity_started_at,
        seconds_since_previous,
        {{ request_columns | join(',\n        ') }},
        {{ dbt.dateadd('hour', var('future_tolerance_hours'), as_of_timestamp()) }}
            as sessionized_until,
        {{ dbt.current_timestamp() }} as sessionized_at
    from sessions
)

select * from sessionized
