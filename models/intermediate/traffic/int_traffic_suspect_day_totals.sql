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
    The three aggregates are stacked (union all) and grouped once by the day's key,
    never joined: each part has one row per key (the path peaks none for a day without
    a path, hence null), so `max` picks that row's value, and the plan stays linear
    whatever the planner guesses of the parts' sizes (joining them made it nest loops
    over two aggregates on a fuzzed file: 190 s instead of 0.5 s).
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

peaks as (
    select
        grain,
        suspect_key,
        local_date,
        peak_requests_per_minute,
        peak_pages_per_minute,
        null as peak_daily_paths,
        null as peak_daily_lessons
    from minute_peaks

    union all

    select
        grain,
        suspect_key,
        local_date,
        null as peak_requests_per_minute,
        null as peak_pages_per_minute,
        peak_daily_paths,
        peak_daily_lessons
    from path_peaks
),

day_parts as (
    select
        grain,
        suspect_key,
        local_date,
        ip,
        user_agent,
        ip_version,
        log_kind,
        requests,
        page_requests,
        asset_requests,
        first_seen_at,
        last_seen_at,
        requests_with_status,
        error_requests,
        off_hours_requests,
        bot_user_agent_requests,
        robots_txt_requests,
        probe_requests,
        non_http_requests,
        missing_user_agent_requests,
        time_resolution,
        null as peak_requests_per_minute,
        null as peak_pages_per_minute,
        null as peak_daily_paths,
        null as peak_daily_lessons,
        facts_at
    from totals

    union all

    select
        grain,
        suspect_key,
        local_date,
        null as ip,
        null as user_agent,
        null as ip_version,
        null as log_kind,
        null as requests,
        null as page_requests,
        null as asset_requests,
        null as first_seen_at,
        null as last_seen_at,
        null as requests_with_status,
        null as error_requests,
        null as off_hours_requests,
        null as bot_user_agent_requests,
        null as robots_txt_requests,
        null as probe_requests,
        null as non_http_requests,
        null as missing_user_agent_requests,
        null as time_resolution,
        peak_requests_per_minute,
        peak_pages_per_minute,
        peak_daily_paths,
        peak_daily_lessons,
        null as facts_at
    from peaks
),

final as (
    select
        grain,
        suspect_key,
        local_date,
        max(ip) as ip,
        max(user_agent) as user_agent,
        max(ip_version) as ip_version,
        max(log_kind) as log_kind,
        max(requests) as requests,
        max(page_requests) as page_requests,
        max(asset_requests) as asset_requests,
        max(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        max(requests_with_status) as requests_with_status,
        max(error_requests) as error_requests,
        max(off_hours_requests) as off_hours_requests,
        max(bot_user_agent_requests) as bot_user_agent_requests,
        max(robots_txt_requests) as robots_txt_requests,
        max(probe_requests) as probe_requests,
        max(non_http_requests) as non_http_requests,
        max(missing_user_agent_requests) as missing_user_agent_requests,
        max(time_resolution) as time_resolution,
        max(peak_requests_per_minute) as peak_requests_per_minute,
        max(peak_pages_per_minute) as peak_pages_per_minute,
        max(peak_daily_paths) as peak_daily_paths,
        max(peak_daily_lessons) as peak_daily_lessons,
        max(facts_at) as facts_at
    from day_parts
    group by grain, suspect_key, local_date
)

select * from final
