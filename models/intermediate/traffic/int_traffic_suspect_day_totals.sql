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
    Each part groups the requests once for both grains (macro suspect_grouping_sets:
    one grouping set per grain, the IP's nested in the IP + user agent's, so one sorted
    pass gives both), and each part reads the facts itself: PostgreSQL would write a CTE
    read by several steps to disk whole, every column of every request.
    Every group by starts with the IP and the local day, the columns the facts are
    stored in and indexed by (macro stored_in_order), and a full build groups the rows
    in the order it reads them instead of hashing them (pre-hook group_in_index_order):
    at 10M requests the hash aggregates spilled to disk (figures: docs/performance.md,
    "The suspects' day totals grouped as the facts are read").
    Incremental: a run recomputes the (IP, local day) groups of new or changed requests.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['grain', 'suspect_key', 'local_date'],
        on_schema_change='fail',
        indexes=[{'columns': ['ip']}],
        delete_within='ip',
        pre_hook="{{ group_in_index_order() }}",
    )
}}

{%- set facts %}
    select * from {{ ref('int_requests_traffic_facts') }}
    where {{ traffic_facts_batch(['ip', 'local_date']) }}
{%- endset %}

{#- The measures of a day's totals, and of its peaks, each null in the other part. #}
{%- set total_measures = [
    'ip_version', 'log_kind', 'requests', 'page_requests', 'asset_requests',
    'first_seen_at', 'last_seen_at', 'requests_with_status', 'error_requests',
    'off_hours_requests', 'bot_user_agent_requests', 'robots_txt_requests',
    'probe_requests', 'non_http_requests', 'missing_user_agent_requests',
    'time_resolution', 'facts_at',
] %}
{%- set peak_measures = [
    'peak_requests_per_minute', 'peak_pages_per_minute', 'peak_daily_paths',
    'peak_daily_lessons',
] %}
{#- In the order of the columns; facts_at last. #}
{%- set output_measures = total_measures[:-1] + peak_measures + ['facts_at'] %}

with

{# Each part groups the requests once for both grains (suspect_grouping_sets()). #}
totals as (
    select
        {{ suspect_grouping_columns() }},
        local_date,
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
    from ({{ facts }}) as facts
    {{ suspect_grouping_sets(['local_date']) }}
),

client_minutes as (
    select
        {{ suspect_grouping_columns() }},
        local_date,
        user_key,
        requested_minute,
        count(*) as requests,
        sum(is_page) as pages
    from ({{ facts }}) as facts
    {{ suspect_grouping_sets(['local_date', 'user_key', 'requested_minute']) }}
),

{# The rows of a set come out in the order of its columns: the IP and the day first,
    which the groups below start with. #}
minute_peaks as (
    select
        grain,
        ip,
        user_agent_key,
        local_date,
        max(requests) as peak_requests_per_minute,
        max(pages) as peak_pages_per_minute
    from client_minutes
    group by ip, local_date, grain, user_agent_key
),

client_day_paths as (
    select
        {{ suspect_grouping_columns() }},
        local_date,
        user_key,
        path,
        max(is_page) as is_page
    from ({{ facts }}) as facts
    where path is not null
    {{ suspect_grouping_sets(['local_date', 'user_key', 'path']) }}
),

client_days as (
    select
        grain,
        ip,
        user_agent_key,
        local_date,
        user_key,
        count(*) as day_paths,
        sum(is_page) as day_pages
    from client_day_paths
    group by ip, local_date, grain, user_agent_key, user_key
),

path_peaks as (
    select
        grain,
        ip,
        user_agent_key,
        local_date,
        max(day_paths) as peak_daily_paths,
        max(day_pages) as peak_daily_lessons
    from client_days
    group by ip, local_date, grain, user_agent_key
),

{# The three parts stacked: one row per part and key, a measure null in the parts
    that do not compute it, so `max` picks each measure's one value. (The peaks' nulls
    are typed: the totals come first, and the two peaks parts each lack two.) #}
day_parts as (
    {%- for part, measures in [
        ('totals', total_measures),
        ('minute_peaks', peak_measures[:2]),
        ('path_peaks', peak_measures[2:]),
    ] %}
    select
        grain,
        ip,
        user_agent_key,
        {%- for measure in output_measures %}
        {%- if measure in measures %}
        {{ measure }},
        {%- elif measure in peak_measures %}
        cast(null as {{ dbt.type_bigint() }}) as {{ measure }},
        {%- else %}
        null as {{ measure }},
        {%- endif %}
        {%- endfor %}
        local_date
    from {{ part }}
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
),

day_groups as (
    select
        grain,
        local_date,
        ip,
        user_agent_key,
        {%- for measure in output_measures[:-1] %}
        max({{ measure }}) as {{ measure }},
        {%- endfor %}
        max(facts_at) as facts_at
    from day_parts
    {#- The IP and the day first, as the parts come out of their groups. #}
    group by ip, local_date, grain, user_agent_key
),

final as (
    select
        day_groups.grain,
        {{ suspect_key() }} as suspect_key,
        day_groups.local_date,
        day_groups.ip,
        user_agents.user_agent,
        {%- for measure in output_measures[:-1] %}
        day_groups.{{ measure }},
        {%- endfor %}
        day_groups.facts_at
    from day_groups
    {{ suspect_user_agent_join('day_groups') }}
)

select * from final
