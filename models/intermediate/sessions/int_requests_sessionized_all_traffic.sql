-- depends_on: {{ ref('int_ip_user_agent_traffic_classes') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_key_tail',
        tail_key='user_key',
        tail_column='requested_at',
        on_schema_change='fail',
        indexes=[
            {'columns': ['user_key', 'requested_at']},
            {'columns': ['sessionized_at']},
        ],
    )
}}

{#
    Every request but the future-dated ones, with its traffic class; the requests that
    human analytics see (`is_in_sessions`: human traffic, or all with the var
    `include_automated_traffic`) get their visit, session and activity, the others
    none. Incremental: a run recomputes the users with new requests, and the users
    with requests whose traffic class changed since the last run
    (int_ip_user_agent_traffic_classes.classified_at), from the visit holding (or
    preceding) the earliest such request. Every request of a recomputed user is in the
    batch, so the replaced tail leaves nothing stale, even when a user's requests all
    left the sessions.
#}

with

requests as (
    select
        enriched.*,
        {{ 'true' if var('include_automated_traffic') else "enriched.traffic_class = 'human'" }}
            as is_in_sessions
    from {{ ref('int_requests_enriched') }} as enriched
    where not enriched.is_future_dated
),

{% if is_incremental() %}

{# New: loaded since the last run, dated after the last run's "now" (those were
   future-dated then and are not any more), or of an IP and user agent whose traffic
   class changed since the last run. #}
{% set new_requests_filter %}
    not is_future_dated
    and (
        loaded_at > {{ incremental_watermark('loaded_at') }}
        or requested_at > {{ incremental_watermark('sessionized_until') }}
        or (ip, coalesce(user_agent, '')) in (
            select
                ip,
                user_agent
            from {{ ref('int_ip_user_agent_traffic_classes') }}
            where classified_at > {{ incremental_watermark('sessionized_at') }}
        )
    )
{% endset %}

new_requests as (
    select
        user_key,
        min(requested_at) as earliest_new_at
    from {{ ref('int_requests_enriched') }}
    where {{ new_requests_filter }}
    group by user_key
),

{# Each user is recomputed from the start of the visit holding (or preceding) the
   earliest new request: earlier visits cannot change, and a visit start is also a
   session and activity start, so the recomputed part starts clean. #}
previous_visits as (
    select
        new_requests.user_key,
        max(sessionized.visit_started_at) as visit_started_at
    from new_requests
    inner join {{ this }} as sessionized
        on
            new_requests.user_key = sessionized.user_key
            and new_requests.earliest_new_at >= sessionized.requested_at
            and sessionized.is_in_sessions
    group by new_requests.user_key
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

{# The last request before the recomputed part, so that the first recomputed request
   still knows the time since its predecessor. #}
last_kept as (
    select
        scope.user_key,
        max(sessionized.requested_at) as requested_at
    from scope
    inner join {{ this }} as sessionized
        on
            scope.user_key = sessionized.user_key
            and scope.recompute_from > sessionized.requested_at
            and sessionized.is_in_sessions
    group by scope.user_key
),

{# The users with new requests, read now and written into the query: with the list
   in plain sight the planner reads only their rows, through the index. #}
{% set new_user_keys = incremental_new_user_keys(
    ref('int_requests_enriched'), new_requests_filter
) %}

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
    {% if new_user_keys %}
    where requests.user_key in ({{ string_list(new_user_keys) }})
    {% else %}
    where false
    {% endif %}
),

{% else %}

scoped_requests as (
    select
        requests.*,
        cast(null as {{ dbt.type_timestamp() }}) as previous_kept_at
    from requests
),

{% endif %}

in_sessions as (
    select * from scoped_requests
    where is_in_sessions
),

gaps as (
    select
        in_sessions.*,
        {{ seconds_between(
            'coalesce(lag(requested_at) over by_user, previous_kept_at)', 'requested_at'
        ) }} as seconds_since_previous
    from in_sessions
    window by_user as (partition by user_key order by requested_at, request_id)
),

starts as (
    select
        gaps.*,
        coalesce(
            seconds_since_previous > {{ var('session_gap_minutes') }} * 60, true
        ) as is_visit_start,
        coalesce(
            seconds_since_previous >= {{ var('activity_gap_minutes') }} * 60, true
        ) as is_activity_start
    from gaps
),

numbered as (
    select
        starts.*,
        sum(case when is_visit_start then 1 else 0 end) over running as visit_number,
        sum(case when is_activity_start then 1 else 0 end) over running as activity_number
    from starts
    window running as (
        partition by user_key order by requested_at, request_id
        rows between unbounded preceding and current row
    )
),

visits as (
    select
        numbered.*,
        min(requested_at) over (partition by user_key, visit_number) as visit_started_at,
        min(requested_at) over (
            partition by user_key, activity_number
        ) as activity_started_at
    from numbered
),

{# Sessions are visits cut into pieces of at most max_session_hours, counted from
   the visit's first request, so the cut points do not depend on where a run starts. #}
pieces as (
    select
        visits.*,
        floor(
            {{ seconds_between('visit_started_at', 'requested_at') }}
            / ({{ var('max_session_hours') }} * 3600)
        ) as visit_piece
    from visits
),

sessions as (
    select
        pieces.*,
        min(requested_at) over (
            partition by user_key, visit_started_at, visit_piece
        ) as session_started_at
    from pieces
),

dwell as (
    select
        sessions.*,
        {{ seconds_between(
            'requested_at',
            'lead(requested_at) over (partition by user_key, session_started_at '
            ~ 'order by requested_at, request_id)'
        ) }} as dwell_seconds
    from sessions
),

{% set request_columns = [
    'log_kind', 'user_id', 'cohort_id', 'program_id', 'is_staff', 'ip', 'block_16',
    'block_24', 'user_agent', 'os_class', 'browser_family', 'device_class', 'is_bot',
    'traffic_class', 'is_in_sessions', 'path', 'module', 'lesson', 'is_asset',
    'requested_local_time', 'loaded_at',
] %}

sessionized as (
    select
        request_id,
        user_key,
        requested_at,
        {{ dbt.hash(dbt.concat([
            "user_key", "'|'", dbt.cast("session_started_at", dbt.type_string())
        ])) }} as session_id,
        session_started_at,
        visit_started_at,
        {{ dbt.hash(dbt.concat([
            "user_key", "'|'", dbt.cast("activity_started_at", dbt.type_string())
        ])) }} as activity_id,
        activity_started_at,
        seconds_since_previous,
        dwell_seconds,
        {{ request_columns | join(',\n        ') }},
        {{ dbt.dateadd('hour', var('future_tolerance_hours'), as_of_timestamp()) }}
            as sessionized_until,
        {{ dbt.current_timestamp() }} as sessionized_at
    from dwell
),

{# Requests left out of the sessions keep their row, without a session. #}
left_out as (
    select
        request_id,
        user_key,
        requested_at,
        cast(null as {{ dbt.type_string() }}) as session_id,
        cast(null as {{ dbt.type_timestamp() }}) as session_started_at,
        cast(null as {{ dbt.type_timestamp() }}) as visit_started_at,
        cast(null as {{ dbt.type_string() }}) as activity_id,
        cast(null as {{ dbt.type_timestamp() }}) as activity_started_at,
        cast(null as {{ dbt.type_float() }}) as seconds_since_previous,
        cast(null as {{ dbt.type_float() }}) as dwell_seconds,
        {{ request_columns | join(',\n        ') }},
        {{ dbt.dateadd('hour', var('future_tolerance_hours'), as_of_timestamp()) }}
            as sessionized_until,
        {{ dbt.current_timestamp() }} as sessionized_at
    from scoped_requests
    where not is_in_sessions
),

final as (
    select * from sessionized
    union all
    select * from left_out
)

select * from final
