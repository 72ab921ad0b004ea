{{ config(materialized='table', indexes=[{'columns': ['user_key', 'activity_date']}]) }}

with

requests as (
    select * from {{ ref('int_requests_sessionized') }}
),

dated as (
    select
        user_key,
        user_id,
        requested_at,
        ip,
        cast(requested_local_time as date) as activity_date
    from requests
),

daily as (
    select
        user_key,
        activity_date,
        max(user_id) as user_id,
        count(*) as requests,
        count(distinct ip) as distinct_ips,
        min(requested_at) as first_requested_at,
        max(requested_at) as last_requested_at
    from dated
    group by user_key, activity_date
)

select * from daily
