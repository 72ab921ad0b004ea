-- depends_on: {{ ref('int_sessionization_scope') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_key_tail',
        tail_column='activity_started_at',
        indexes=[{'columns': ['user_key', 'activity_started_at']}],
    )
}}

with

requests as (
    select requests.*
    from {{ ref('int_requests_sessionized') }} as requests
    {{ sessionized_batch_join('requests') }}
),

{# One row per activity, grouped by user and start, for the reason fct_sessions gives;
   activity_id is their hash, computed once per activity (macro sessionized_id). #}
activities as (
    select
        {{ sessionized_id('activity_started_at') }} as activity_id,
        user_key,
        max(user_id) as user_id,
        min(requested_at) as activity_started_at,
        max(requested_at) as activity_ended_at,
        count(*) as requests,
        count(distinct ip) as distinct_ips,
        count(distinct user_agent_key) as distinct_user_agents,
        max(sessionized_at) as sessionized_at
    from requests
    group by user_key, activity_started_at
),

measured as (
    select
        activity_id,
        user_key,
        user_id,
        activity_started_at,
        activity_ended_at,
        {{ seconds_between('activity_started_at', 'activity_ended_at') }} as duration_seconds,
        requests,
        distinct_ips,
        distinct_user_agents,
        sessionized_at
    from activities
),

{# Analysis B keeps activities that last at least a second and have more than two
   events: shorter runs are page loads, not activity. #}
kept as (
    select *
    from measured
    where
        duration_seconds >= {{ var('activity_min_seconds') }}
        and requests >= {{ var('activity_min_requests') }}
)

select * from kept
