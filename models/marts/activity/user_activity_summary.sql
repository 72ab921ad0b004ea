with

int_requests_sessionized as (
    select * from {{ ref('int_requests_sessionized') }}
),

fct_sessions as (
    select * from {{ ref('fct_sessions') }}
),

fct_activities as (
    select * from {{ ref('fct_activities') }}
),

requests_per_user as (
    select
        user_key,
        max(user_id) as user_id,
        min(requested_at) as first_seen_at,
        max(requested_at) as last_seen_at,
        count(*) as requests,
        count(distinct user_agent_key) as devices,
        count(distinct ip) as distinct_ips
    from int_requests_sessionized
    group by user_key
),

sessions_per_user as (
    select
        user_key,
        count(*) as sessions
    from fct_sessions
    group by user_key
),

activities_per_user as (
    select
        user_key,
        count(*) as activities,
        sum(duration_seconds) as activity_seconds
    from fct_activities
    group by user_key
),

final as (
    select
        requests_per_user.user_key,
        requests_per_user.user_id,
        requests_per_user.first_seen_at,
        requests_per_user.last_seen_at,
        cast(
            {{ seconds_between(
                'requests_per_user.first_seen_at', 'requests_per_user.last_seen_at'
            ) }} / 86400 as {{ dbt.type_float() }}
        ) as span_days,
        cast(
            coalesce(activities_per_user.activity_seconds, 0) / 60 as {{ dbt.type_float() }}
        ) as active_minutes,
        cast(requests_per_user.requests as bigint) as requests,
        cast(coalesce(sessions_per_user.sessions, 0) as bigint) as sessions,
        cast(coalesce(activities_per_user.activities, 0) as bigint) as activities,
        cast(requests_per_user.devices as bigint) as devices,
        cast(requests_per_user.distinct_ips as bigint) as distinct_ips
    from requests_per_user
    left join sessions_per_user
        on requests_per_user.user_key = sessions_per_user.user_key
    left join activities_per_user
        on requests_per_user.user_key = activities_per_user.user_key
)

select * from final
