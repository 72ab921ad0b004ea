-- depends_on: {{ ref('int_requests_traffic_facts') }}
{#
    Indicators: every measure the traffic rules read, one row per suspect (an IP, or an
    IP + user agent): totals and peaks merged from its days (int_traffic_suspect_day_totals),
    distinct counts (int_traffic_suspect_values), regularity (int_traffic_suspect_intervals),
    shares. Incremental: a run recomputes the suspects of the IPs with new or changed
    requests from those running aggregates (not from their requests),
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

{#- The curriculum: the distinct page paths per log kind. #}
{% set lesson_paths_sql %}
    select
        log_kind,
        count(*) as lesson_paths
    from {{ ref('int_traffic_lesson_paths') }}
    group by log_kind
{% endset %}

{#- An incremental run reads them once, when the model is compiled, and writes them
    into the SQL as literals: with the statistics of the table before the run's new
    rows, the planner may join the few suspects to the grouped scan of every request in
    a nested loop that repeats the scan for each suspect (minutes at 1M requests). #}
{%- set lesson_path_rows = none %}
{%- set batch = traffic_facts_batch(['ip']) %}
{%- if is_incremental() and execute %}
{%- set lesson_path_rows = run_query(lesson_paths_sql).rows %}
{%- set current_paths = [] %}
{%- for row in lesson_path_rows %}
{%- do current_paths.append(row[0] ~ ':' ~ (row[1] | int)) %}
{%- endfor %}
{%- set previous_paths = [] %}
{%- for row in run_query(
    'select distinct log_kind, lesson_paths from ' ~ this ~ ' where lesson_paths is not null'
).rows %}
{%- do previous_paths.append(row[0] ~ ':' ~ (row[1] | int)) %}
{%- endfor %}
{%- if (current_paths | sort) != (previous_paths | sort) %}{% set batch = 'true' %}{% endif %}
{%- endif %}

with

{# The suspects of the IPs with new or changed requests (all of them on a full build). #}
day_totals as (
    select * from {{ ref('int_traffic_suspect_day_totals') }}
    where {{ batch }}
),

suspect_values as (
    select * from {{ ref('int_traffic_suspect_values') }}
    where {{ batch }}
),

intervals as (
    select * from {{ ref('int_traffic_suspect_intervals') }}
),

lesson_paths as (
    {%- if lesson_path_rows is none %}
    {{ lesson_paths_sql }}
    {%- else %}
    {%- for row in lesson_path_rows %}
    select
        cast('{{ row[0] }}' as {{ dbt.type_string() }}) as log_kind,
        cast({{ row[1] | int }} as {{ dbt.type_bigint() }}) as lesson_paths
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as log_kind,
        cast(null as {{ dbt.type_bigint() }}) as lesson_paths
    where 1 = 0
    {%- endfor %}
    {%- endif %}
),

{# Counts add up over the days, first and last seen and the peaks are extremes. #}
totals as (
    select
        grain,
        suspect_key,
        min(ip) as ip,
        max(user_agent) as user_agent,
        max(ip_version) as ip_version,
        min(log_kind) as log_kind,
        sum(requests) as requests,
        sum(page_requests) as page_requests,
        sum(asset_requests) as asset_requests,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        count(peak_daily_paths) as active_days,
        max(peak_requests_per_minute) as peak_requests_per_minute,
        max(peak_pages_per_minute) as peak_pages_per_minute,
        max(peak_daily_paths) as peak_daily_paths,
        max(peak_daily_lessons) as peak_daily_lessons,
        sum(requests_with_status) as requests_with_status,
        sum(error_requests) as error_requests,
        sum(off_hours_requests) as off_hours_requests,
        sum(bot_user_agent_requests) as bot_user_agent_requests,
        sum(robots_txt_requests) as robots_txt_requests,
        sum(probe_requests) as probe_requests,
        sum(non_http_requests) as non_http_requests,
        sum(missing_user_agent_requests) as missing_user_agent_requests,
        max(time_resolution) as time_resolution,
        max(facts_at) as facts_at
    from day_totals
    group by grain, suspect_key
),

distinct_values as (
    select
        grain,
        suspect_key,
        sum(case when value_kind = 'path' then 1 else 0 end) as distinct_paths,
        sum(case when value_kind = 'path' then is_page else 0 end) as distinct_lessons,
        sum(case when value_kind = 'user_key' then 1 else 0 end) as distinct_users,
        sum(case when value_kind = 'user_agent' then 1 else 0 end) as distinct_user_agents,
        sum(case when value_kind = 'user_agent' then is_bot else 0 end) as bot_user_agents
    from suspect_values
    group by grain, suspect_key
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
        totals.active_days,
        cast(totals.peak_requests_per_minute as {{ dbt.type_bigint() }})
            as peak_requests_per_minute,
        cast(totals.peak_pages_per_minute as {{ dbt.type_bigint() }}) as peak_pages_per_minute,
        cast(distinct_values.distinct_paths as {{ dbt.type_bigint() }}) as distinct_paths,
        coalesce(totals.peak_daily_paths, 0) as peak_daily_paths,
        1.0 * distinct_values.distinct_lessons / lesson_paths.lesson_paths as curriculum_coverage,
        1.0 * coalesce(totals.peak_daily_lessons, 0) / lesson_paths.lesson_paths
            as peak_daily_coverage,
        case
            when totals.requests_with_status > 0
                then 1.0 * totals.error_requests / totals.requests_with_status
        end as error_ratio,
        1.0 * totals.off_hours_requests / totals.requests as off_hours_share,
        cast(distinct_values.distinct_users as {{ dbt.type_bigint() }}) as distinct_users,
        cast(distinct_values.distinct_user_agents as {{ dbt.type_bigint() }})
            as distinct_user_agents,
        1.0 * totals.bot_user_agent_requests / totals.requests as bot_user_agent_share,
        cast(distinct_values.bot_user_agents as {{ dbt.type_bigint() }}) as bot_user_agents,
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
    inner join distinct_values
        on
            totals.grain = distinct_values.grain
            and totals.suspect_key = distinct_values.suspect_key
    left join intervals
        on totals.grain = intervals.grain and totals.suspect_key = intervals.suspect_key
    left join lesson_paths
        on totals.log_kind = lesson_paths.log_kind
)

select * from final
