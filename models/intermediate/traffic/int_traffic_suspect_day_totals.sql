-- depends_on: {{ ref('int_requests_traffic_facts') }}
{#
    Running aggregates, one row per suspect (IP, or IP + user agent) and local day:
    the day's counts, first and last request, and its peaks of one client (account, or
    IP + user agent): requests and pages in a clock minute, distinct paths and lesson
    paths in the day. Rates and coverage are a client's: the students behind a campus
    NAT address read at their own pace each, a scraper reads faster than anyone and
    takes the lessons in one sitting. Counts add up and peaks are maxima over the days,
    so int_traffic_suspect_indicators merges these rows instead of reading a suspect's
    requests: a suspect's new day costs that day's requests, not its history.
    Incremental: a run recomputes the (IP, local day) groups of new or changed requests.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['grain', 'suspect_key', 'local_date'],
        on_schema_change='fail',
        indexes=[{'columns': ['ip']}],
    )
}}

with

suspect_requests as (
    select * from {{ ref('int_traffic_suspect_requests') }}
    where {{ traffic_facts_batch(['ip', 'local_date']) }}
),

client_minutes as (
    select
        grain,
        suspect_key,
        local_date,
        user_key,
        requested_minute,
        count(*) as requests,
        sum(is_page) as pages
    from suspect_requests
    group by grain, suspect_key, local_date, user_key, requested_minute
),

minute_peaks as (
    select
        grain,
        suspect_key,
        local_date,
        max(requests) as peak_requests_per_minute,
        max(pages) as peak_pages_per_minute
    from client_minutes
    group by grain, suspect_key, local_date
),

client_day_paths as (
    select
        grain,
        suspect_key,
        local_date,
        user_key,
        path,
        max(is_page) as is_page
    from suspect_requests
    where path is not null
    group by grain, suspect_key, local_date, user_key, path
),

client_days as (
    select
        grain,
        suspect_key,
        local_date,
        user_key,
        count(*) as day_paths,
        sum(is_page) as day_pages
    from client_day_paths
    group by grain, suspect_key, local_date, user_key
),

path_peaks as (
    select
        grain,
        suspect_key,
        local_date,
        max(day_paths) as peak_daily_paths,
        max(day_pages) as peak_daily_lessons
    from client_days
    group by grain, suspect_key, local_date
),

totals as (
    select
        grain,
        suspect_key,
        local_date,
        min(ip) as ip,
        max(suspect_user_agent) as user_agent,
        max(ip_version) as ip_version,
        min(log_kind) as log_kind,
        count(*) as requests,
        sum(is_page) as page_requests,
        sum(is_asset) as asset_requests,
        min(requested_at) as first_seen_at,
        max(requested_at) as last_seen_at,
        sum(has_status) as requests_with_status,
        sum(is_error) as error_requests,
        sum(is_off_hours) as off_hours_requests,
        sum(is_bot) as bot_user_agent_requests,
        sum(is_robots_txt) as robots_txt_requests,
        sum(is_probe) as probe_requests,
        sum(is_non_http) as non_http_requests,
        sum(is_missing_user_agent) as missing_user_agent_requests,
        max(time_resolution) as time_resolution,
        max(facts_at) as facts_at
    from suspect_requests
    group by grain, suspect_key, local_date
),

final as (
    select
        totals.grain,
        totals.suspect_key,
        totals.local_date,
        totals.ip,
        totals.user_agent,
        totals.ip_version,
        totals.log_kind,
        totals.requests,
        totals.page_requests,
        totals.asset_requests,
        totals.first_seen_at,
        totals.last_seen_at,
        totals.requests_with_status,
        totals.error_requests,
        totals.off_hours_requests,
        totals.bot_user_agent_requests,
        totals.robots_txt_requests,
        totals.probe_requests,
        totals.non_http_requests,
        totals.missing_user_agent_requests,
        totals.time_resolution,
        minute_peaks.peak_requests_per_minute,
        minute_peaks.peak_pages_per_minute,
        path_peaks.peak_daily_paths,
        path_peaks.peak_daily_lessons,
        totals.facts_at
    from totals
    inner join minute_peaks
        on
            totals.grain = minute_peaks.grain
            and totals.suspect_key = minute_peaks.suspect_key
            and totals.local_date = minute_peaks.local_date
    left join path_peaks
        on
            totals.grain = path_peaks.grain
            and totals.suspect_key = path_peaks.suspect_key
            and totals.local_date = path_peaks.local_date
)

select * from final
