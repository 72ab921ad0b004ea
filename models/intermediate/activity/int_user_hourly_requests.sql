{{ config(materialized='table', indexes=[{'columns': ['activity_hour']}]) }}

with

requests as (
    select * from {{ ref('int_requests_sessionized') }}
),

{# Local wall-clock time (the web log's own offset, or var curriculum_log_timezone):
   hours and weekdays of a person's day, not of UTC. #}
localised as (
    select
        user_key,
        requested_local_time as requested_local_at
    from requests
),

hourly as (
    select
        user_key,
        {{ dbt.date_trunc('hour', 'requested_local_at') }} as activity_hour,
        count(*) as requests
    from localised
    group by
        user_key,
        {{ dbt.date_trunc('hour', 'requested_local_at') }}
),

final as (
    select
        user_key,
        activity_hour,
        {{ day_of_week('activity_hour') }} as day_of_week,
        cast({{ extract_part('hour', 'activity_hour') }} as integer) as hour_of_day,
        requests
    from hourly
)

select * from final
