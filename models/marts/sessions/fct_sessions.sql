-- depends_on: {{ ref('int_sessionization_scope') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_key_tail',
        tail_column='session_started_at',
        indexes=[{'columns': ['user_key', 'session_started_at']}],
    )
}}

with

requests as (
    select requests.*
    from {{ ref('int_requests_sessionized') }} as requests
    {{ sessionized_batch_join('requests') }}
),

{# One row per session, grouped by user and start (what identifies a session: doc block
   session): the requests come in user order through the (user_key, requested_at) index
   of the sessionized requests, so only each user's rows are sorted, in memory, not every
   request by a hash (at 10M: docs/performance.md). session_id is their hash, computed
   once per session (macro sessionized_id). #}
sessions as (
    select
        {{ sessionized_id('session_started_at') }} as session_id,
        user_key,
        max(user_id) as user_id,
        max(log_kind) as log_kind,
        min(requested_at) as session_started_at,
        max(requested_at) as session_ended_at,
        min(visit_started_at) as visit_started_at,
        count(*) as requests,
        count(distinct case when is_lesson_view then path end) as distinct_lessons,
        sum(case when is_asset then 1 else 0 end) as asset_requests,
        count(distinct ip) as distinct_ips,
        count(distinct user_agent_key) as distinct_user_agents,
        count(distinct device_class) as distinct_device_classes,
        {{ dbt.bool_or('is_bot') }} as has_bot_user_agent,
        max(sessionized_at) as sessionized_at
    from requests
    group by user_key, session_started_at
),

measured as (
    select
        session_id,
        user_key,
        user_id,
        log_kind,
        session_started_at,
        session_ended_at,
        {{ seconds_between('session_started_at', 'session_ended_at') }} as duration_seconds,
        session_started_at > visit_started_at as is_continuation,
        requests,
        distinct_lessons,
        asset_requests,
        distinct_ips,
        distinct_user_agents,
        distinct_device_classes,
        coalesce(has_bot_user_agent, false) as has_bot_user_agent,
        sessionized_at
    from sessions
)

select * from measured
