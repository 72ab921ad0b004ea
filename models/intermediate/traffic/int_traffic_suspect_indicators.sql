{#
    Indicators: every measure the traffic rules read, one row per suspect (an IP, or an
    IP + user agent): totals, peaks per minute (int_traffic_suspect_minutes) and per
    day (int_traffic_suspect_days), regularity (int_traffic_suspect_intervals), shares.
    Incremental: a run recomputes the suspects of the IPs with new or changed requests,
    and every suspect when the number of lesson paths of a log kind changed (the
    coverage shares divide by it); `indicated_at` tells the traffic classes which
    suspects a run recomputed.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['grain', 'suspect_key'],
        on_schema_change='fail',
    )
}}

{#- The curriculum: every distinct page path of every request, per log kind. #}
{% set lesson_paths_sql %}
    select
        log_kind,
        count(distinct path) as lesson_paths
    from {{ ref('int_requests_traffic_facts') }}
    where is_page = 1
    group by log_kind
{% endset %}

{%- set batch = traffic_facts_batch(['ip']) %}
{%- if is_incremental() and execute %}
{%- set changed = run_query(
    'select count(*) from (' ~ lesson_paths_sql ~ ') as current_paths full outer join '
    ~ '(select distinct log_kind, lesson_paths from ' ~ this ~ ') as previous_paths '
    ~ 'on current_paths.log_kind = previous_paths.log_kind '
    ~ 'where current_paths.lesson_paths is distinct from previous_paths.lesson_paths'
).columns[0].values()[0] %}
{%- if changed > 0 %}{% set batch = 'true' %}{% endif %}
{%- endif %}

with

suspect_requests as (
    select * from {{ ref('int_traffic_suspect_requests') }}
    where {{ batch }}
),

minutes as (
    select * from {{ ref('int_traffic_suspect_minutes') }}
),

days as (
    select * from {{ ref('int_traffic_suspect_days') }}
),

intervals as (
    select * from {{ ref('int_traffic_suspect_intervals') }}
),

lesson_paths as (
    {{ lesson_paths_sql }}
),

totals as (
    select
        grain,
        suspect_key,
        min(ip) as ip,
        max(suspect_user_agent) as user_agent,
        max(ip_version) as ip_version,
        min(log_kind) as log_kind,
        count(*) as requests,
        sum(is_page) as page_requests,
        sum(is_asset) as asset_requests,
        min(requested_at) as first_seen_at,
        max(requested_at) as last_seen_at,
        count(distinct path) as distinct_paths,
        count(distinct case when is_page = 1 then path end) as distinct_lessons,
        count(distinct user_key) as distinct_users,
        count(distinct user_agent) as distinct_user_agents,
        count(distinct case when is_bot = 1 then user_agent end) as bot_user_agents,
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
    group by grain, suspect_key
),

{# The minutes and days of the suspects recomputed (all of them on a full build). #}
peaks as (
    select
        minutes.grain,
        minutes.suspect_key,
        max(minutes.requests) as peak_requests_per_minute,
        max(minutes.pages) as peak_pages_per_minute
    from minutes
    inner join totals
        on minutes.grain = totals.grain and minutes.suspect_key = totals.suspect_key
    group by minutes.grain, minutes.suspect_key
),

daily_peaks as (
    select
        days.grain,
        days.suspect_key,
        count(distinct days.local_date) as active_days,
        max(days.day_paths) as peak_daily_paths,
        max(days.day_pages) as peak_daily_lessons
    from days
    inner join totals
        on days.grain = totals.grain and days.suspect_key = totals.suspect_key
    group by days.grain, days.suspect_key
),

final as (
    select
        totals.grain,
        totals.suspect_key,
        totals.ip,
        case when totals.ip_version = 4 then {{ ipv4_block('totals.ip', 2) }} end as block_16,
        totals.user_agent,
        totals.log_kind,
        cast(totals.requests as {{ dbt.type_bigint() }}) as requests,
        cast(totals.page_requests as {{ dbt.type_bigint() }}) as page_requests,
        cast(totals.asset_requests as {{ dbt.type_bigint() }}) as asset_requests,
        totals.first_seen_at,
        totals.last_seen_at,
        coalesce(daily_peaks.active_days, 0) as active_days,
        cast(peaks.peak_requests_per_minute as {{ dbt.type_bigint() }})
            as peak_requests_per_minute,
        cast(peaks.peak_pages_per_minute as {{ dbt.type_bigint() }}) as peak_pages_per_minute,
        totals.distinct_paths,
        coalesce(daily_peaks.peak_daily_paths, 0) as peak_daily_paths,
        1.0 * totals.distinct_lessons / lesson_paths.lesson_paths as curriculum_coverage,
        1.0 * coalesce(daily_peaks.peak_daily_lessons, 0) / lesson_paths.lesson_paths
            as peak_daily_coverage,
        case
            when totals.requests_with_status > 0
                then 1.0 * totals.error_requests / totals.requests_with_status
        end as error_ratio,
        1.0 * totals.off_hours_requests / totals.requests as off_hours_share,
        totals.distinct_users,
        totals.distinct_user_agents,
        1.0 * totals.bot_user_agent_requests / totals.requests as bot_user_agent_share,
        totals.bot_user_agents,
        totals.bot_user_agent_requests > 0 as has_bot_user_agent,
        cast(totals.robots_txt_requests as {{ dbt.type_bigint() }}) as robots_txt_requests,
        cast(totals.probe_requests as {{ dbt.type_bigint() }}) as probe_requests,
        cast(totals.non_http_requests as {{ dbt.type_bigint() }}) as non_http_requests,
        cast(totals.missing_user_agent_requests as {{ dbt.type_bigint() }})
            as missing_user_agent_requests,
        totals.time_resolution,
        coalesce(intervals.intervals, 0) as intervals,
        case
            when
                intervals.intervals >= {{ var('traffic_min_intervals') }}
                and intervals.mean_gap_seconds > 0
                then intervals.stddev_gap_seconds / intervals.mean_gap_seconds
        end as interval_cv,
        lesson_paths.lesson_paths,
        totals.facts_at,
        {{ dbt.current_timestamp() }} as indicated_at
    {# Coverage of the suspect's log kind (the first by name if it is in both logs). #}
    from totals
    inner join peaks
        on totals.grain = peaks.grain and totals.suspect_key = peaks.suspect_key
    left join daily_peaks
        on totals.grain = daily_peaks.grain and totals.suspect_key = daily_peaks.suspect_key
    left join intervals
        on totals.grain = intervals.grain and totals.suspect_key = intervals.suspect_key
    left join lesson_paths
        on totals.log_kind = lesson_paths.log_kind
)

select * from final
