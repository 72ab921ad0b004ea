{#
    Question 4: who behaves like a scraper? Every IP (grain 'ip'), and every IP + user
    agent (grain 'ip_user_agent'), with behavioural indicators, the rules they fire
    (thresholds are vars) and a score = the sum of the fired rules' weights (var
    `suspicious_rule_weights`). Apart from bot_user_agent, a rule fires only with at
    least `suspicious_min_requests` requests: a handful says nothing about behaviour.
#}
{% set weights = var('suspicious_rule_weights') %}
{% set off_start = var('suspicious_off_hours_start') %}
{% set off_end = var('suspicious_off_hours_end') %}
{# Off-hours wrap past midnight when they start later than they end (e.g. 22 to 6). #}
{% set off_hours_operator = 'and' if off_start < off_end else 'or' %}
{% set rule_names = [
    'high_page_rate', 'many_paths', 'high_coverage', 'regular_intervals', 'off_hours',
    'many_users', 'user_agent_churn', 'bot_user_agent', 'high_error_ratio',
] %}
{% set reason_expressions = [] %}
{% for rule in rule_names %}
    {% do reason_expressions.append(
        "case when fires_" ~ rule ~ " then '" ~ rule ~ "' end"
    ) %}
{% endfor %}

with

{#
    The requests are read from int_requests_unioned and their user agents' classes
    joined here: the enriched view's cohort and curriculum joins are not needed, and
    skipping them makes the model several times faster.
#}
requests as (
    select * from {{ ref('int_requests_unioned') }}
),

user_agents as (
    select * from {{ ref('int_user_agents_classified') }}
),

timed_requests as (
    select
        requests.log_kind,
        requests.ip,
        requests.ip_version,
        coalesce(requests.user_agent, '') as user_agent,
        requests.user_key,
        requests.requested_at,
        {{ utc_to_local_date('requests.requested_at', var('curriculum_log_timezone')) }}
            as requested_date,
        {{ dbt.date_trunc('minute', 'requests.requested_at') }} as requested_minute,
        requests.path,
        case
            when coalesce(requests.is_asset, false) or requests.path is null then 0 else 1
        end as is_lesson,
        case when requests.status is null then 0 else 1 end as has_status,
        case when coalesce(requests.is_error, false) then 1 else 0 end as is_error,
        {{ utc_to_local_hour('requests.requested_at', var('curriculum_log_timezone')) }}
            as local_hour,
        coalesce(user_agents.is_bot, false) as is_bot
    from requests
    left join user_agents
        on coalesce(requests.user_agent, '') = user_agents.user_agent
    where requests.ip is not null
),

timed as (
    select
        timed_requests.*,
        case
            when
                timed_requests.local_hour >= {{ off_start }}
                {{ off_hours_operator }} timed_requests.local_hour < {{ off_end }}
                then 1
            else 0
        end as is_off_hours
    from timed_requests
),

{#
    The IP + user agent grain is aggregated from the requests; the IP grain is rolled
    up from it wherever the measure adds up, so the million requests are read a few
    times only. Distinct counts are taken in stages (group by, then count rows).
#}
agent_minutes as (
    select
        ip,
        user_agent,
        requested_minute,
        min(log_kind) as log_kind,
        max(ip_version) as ip_version,
        count(*) as requests,
        sum(is_lesson) as pages,
        min(requested_at) as first_seen_at,
        max(requested_at) as last_seen_at,
        sum(has_status) as requests_with_status,
        sum(is_error) as error_requests,
        sum(is_off_hours) as off_hours_requests,
        {{ dbt.bool_or('is_bot') }} as has_bot_user_agent
    from timed
    group by ip, user_agent, requested_minute
),

ip_minutes as (
    select
        ip,
        requested_minute,
        sum(requests) as requests,
        sum(pages) as pages
    from agent_minutes
    group by ip, requested_minute
),

agent_day_paths as (
    select
        ip,
        user_agent,
        requested_date,
        path,
        max(is_lesson) as is_lesson
    from timed
    group by ip, user_agent, requested_date, path
),

ip_day_paths as (
    select
        ip,
        requested_date,
        path,
        max(is_lesson) as is_lesson
    from agent_day_paths
    group by ip, requested_date, path
),

agent_users as (
    select distinct
        ip,
        user_agent,
        user_key
    from timed
),

ip_users as (
    select distinct
        ip,
        user_key
    from agent_users
),

{# The curriculum: every distinct lesson (non-asset) path, per log kind. #}
lessons as (
    select distinct
        log_kind,
        path
    from timed
    where is_lesson = 1
),

lesson_paths as (
    select
        log_kind,
        count(*) as lesson_paths
    from lessons
    group by log_kind
),

{# Gaps between consecutive requests, per IP + user agent and per IP. #}
gaps as (
    select
        ip,
        user_agent,
        {{ seconds_between(
            'lag(requested_at) over (partition by ip, user_agent order by requested_at)',
            'requested_at'
        ) }} as agent_gap_seconds,
        {{ seconds_between(
            'lag(requested_at) over (partition by ip order by requested_at)',
            'requested_at'
        ) }} as ip_gap_seconds
    from timed
),

{# Only gaps inside a visit: the pauses between visits are not a rhythm. #}
agent_regularity as (
    select
        ip,
        user_agent,
        count(*) as intervals,
        avg(agent_gap_seconds) as mean_gap_seconds,
        {{ stddev_sample('agent_gap_seconds') }} as stddev_gap_seconds
    from gaps
    where agent_gap_seconds <= {{ var('session_gap_minutes') }} * 60
    group by ip, user_agent
),

ip_regularity as (
    select
        ip,
        count(*) as intervals,
        avg(ip_gap_seconds) as mean_gap_seconds,
        {{ stddev_sample('ip_gap_seconds') }} as stddev_gap_seconds
    from gaps
    where ip_gap_seconds <= {{ var('session_gap_minutes') }} * 60
    group by ip
),

agent_totals as (
    select
        ip,
        user_agent,
        min(log_kind) as log_kind,
        max(ip_version) as ip_version,
        sum(requests) as requests,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        max(requests) as peak_requests_per_minute,
        max(pages) as peak_pages_per_minute,
        sum(requests_with_status) as requests_with_status,
        sum(error_requests) as error_requests,
        sum(off_hours_requests) as off_hours_requests,
        {{ dbt.bool_or('has_bot_user_agent') }} as has_bot_user_agent
    from agent_minutes
    group by ip, user_agent
),

ip_totals as (
    select
        ip,
        min(log_kind) as log_kind,
        max(ip_version) as ip_version,
        sum(requests) as requests,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        sum(requests_with_status) as requests_with_status,
        sum(error_requests) as error_requests,
        sum(off_hours_requests) as off_hours_requests,
        {{ dbt.bool_or('has_bot_user_agent') }} as has_bot_user_agent,
        count(*) as distinct_user_agents
    from agent_totals
    group by ip
),

ip_peaks as (
    select
        ip,
        max(requests) as peak_requests_per_minute,
        max(pages) as peak_pages_per_minute
    from ip_minutes
    group by ip
),

agent_days as (
    select
        ip,
        user_agent,
        requested_date,
        count(*) as day_paths,
        sum(is_lesson) as day_lessons
    from agent_day_paths
    group by ip, user_agent, requested_date
),

agent_daily_peaks as (
    select
        ip,
        user_agent,
        count(*) as active_days,
        max(day_paths) as peak_daily_paths,
        max(day_lessons) as peak_daily_lessons
    from agent_days
    group by ip, user_agent
),

ip_days as (
    select
        ip,
        requested_date,
        count(*) as day_paths,
        sum(is_lesson) as day_lessons
    from ip_day_paths
    group by ip, requested_date
),

ip_daily_peaks as (
    select
        ip,
        count(*) as active_days,
        max(day_paths) as peak_daily_paths,
        max(day_lessons) as peak_daily_lessons
    from ip_days
    group by ip
),

agent_paths as (
    select
        ip,
        user_agent,
        path,
        max(is_lesson) as is_lesson
    from agent_day_paths
    group by ip, user_agent, path
),

agent_path_totals as (
    select
        ip,
        user_agent,
        count(path) as distinct_paths,
        sum(is_lesson) as distinct_lessons
    from agent_paths
    group by ip, user_agent
),

ip_paths as (
    select
        ip,
        path,
        max(is_lesson) as is_lesson
    from agent_paths
    group by ip, path
),

ip_path_totals as (
    select
        ip,
        count(path) as distinct_paths,
        sum(is_lesson) as distinct_lessons
    from ip_paths
    group by ip
),

agent_user_counts as (
    select
        ip,
        user_agent,
        count(*) as distinct_users
    from agent_users
    group by ip, user_agent
),

ip_user_counts as (
    select
        ip,
        count(*) as distinct_users
    from ip_users
    group by ip
),

agent_indicators as (
    select
        'ip_user_agent' as grain,
        {{ dbt.concat(['agent_totals.ip', "'|'", 'agent_totals.user_agent']) }} as suspect_key,
        agent_totals.ip,
        case
            when agent_totals.ip_version = 4 then {{ ipv4_block('agent_totals.ip', 2) }}
        end as block_16,
        agent_totals.user_agent,
        agent_totals.log_kind,
        agent_totals.requests,
        agent_totals.first_seen_at,
        agent_totals.last_seen_at,
        agent_totals.peak_requests_per_minute,
        agent_totals.peak_pages_per_minute,
        agent_totals.requests_with_status,
        agent_totals.error_requests,
        agent_totals.off_hours_requests,
        agent_totals.has_bot_user_agent,
        1 as distinct_user_agents,
        agent_daily_peaks.active_days,
        agent_daily_peaks.peak_daily_paths,
        agent_daily_peaks.peak_daily_lessons,
        agent_path_totals.distinct_paths,
        agent_path_totals.distinct_lessons,
        agent_user_counts.distinct_users,
        agent_regularity.intervals,
        agent_regularity.mean_gap_seconds,
        agent_regularity.stddev_gap_seconds
    from agent_totals
    inner join agent_daily_peaks
        on
            agent_totals.ip = agent_daily_peaks.ip
            and agent_totals.user_agent = agent_daily_peaks.user_agent
    inner join agent_path_totals
        on
            agent_totals.ip = agent_path_totals.ip
            and agent_totals.user_agent = agent_path_totals.user_agent
    inner join agent_user_counts
        on
            agent_totals.ip = agent_user_counts.ip
            and agent_totals.user_agent = agent_user_counts.user_agent
    left join agent_regularity
        on
            agent_totals.ip = agent_regularity.ip
            and agent_totals.user_agent = agent_regularity.user_agent
),

ip_indicators as (
    select
        'ip' as grain,
        ip_totals.ip as suspect_key,
        ip_totals.ip,
        case
            when ip_totals.ip_version = 4 then {{ ipv4_block('ip_totals.ip', 2) }}
        end as block_16,
        cast(null as {{ dbt.type_string() }}) as user_agent,
        ip_totals.log_kind,
        ip_totals.requests,
        ip_totals.first_seen_at,
        ip_totals.last_seen_at,
        ip_peaks.peak_requests_per_minute,
        ip_peaks.peak_pages_per_minute,
        ip_totals.requests_with_status,
        ip_totals.error_requests,
        ip_totals.off_hours_requests,
        ip_totals.has_bot_user_agent,
        ip_totals.distinct_user_agents,
        ip_daily_peaks.active_days,
        ip_daily_peaks.peak_daily_paths,
        ip_daily_peaks.peak_daily_lessons,
        ip_path_totals.distinct_paths,
        ip_path_totals.distinct_lessons,
        ip_user_counts.distinct_users,
        ip_regularity.intervals,
        ip_regularity.mean_gap_seconds,
        ip_regularity.stddev_gap_seconds
    from ip_totals
    inner join ip_peaks
        on ip_totals.ip = ip_peaks.ip
    inner join ip_daily_peaks
        on ip_totals.ip = ip_daily_peaks.ip
    inner join ip_path_totals
        on ip_totals.ip = ip_path_totals.ip
    inner join ip_user_counts
        on ip_totals.ip = ip_user_counts.ip
    left join ip_regularity
        on ip_totals.ip = ip_regularity.ip
),

grain_indicators as (
    select * from ip_indicators
    union all
    select * from agent_indicators
),

indicators as (
    select
        grain_indicators.grain,
        grain_indicators.suspect_key,
        grain_indicators.ip,
        grain_indicators.block_16,
        grain_indicators.user_agent,
        cast(grain_indicators.requests as {{ dbt.type_bigint() }}) as requests,
        grain_indicators.first_seen_at,
        grain_indicators.last_seen_at,
        grain_indicators.active_days,
        cast(grain_indicators.peak_requests_per_minute as {{ dbt.type_bigint() }})
            as peak_requests_per_minute,
        cast(grain_indicators.peak_pages_per_minute as {{ dbt.type_bigint() }})
            as peak_pages_per_minute,
        grain_indicators.distinct_paths,
        grain_indicators.peak_daily_paths,
        1.0 * grain_indicators.distinct_lessons / lesson_paths.lesson_paths
            as curriculum_coverage,
        1.0 * grain_indicators.peak_daily_lessons / lesson_paths.lesson_paths
            as peak_daily_coverage,
        case
            when grain_indicators.requests_with_status > 0
                then 1.0 * grain_indicators.error_requests / grain_indicators.requests_with_status
        end as error_ratio,
        1.0 * grain_indicators.off_hours_requests / grain_indicators.requests as off_hours_share,
        grain_indicators.distinct_users,
        grain_indicators.distinct_user_agents,
        grain_indicators.has_bot_user_agent,
        coalesce(grain_indicators.intervals, 0) as intervals,
        case
            when
                grain_indicators.intervals >= {{ var('suspicious_min_intervals') }}
                and grain_indicators.mean_gap_seconds > 0
                then grain_indicators.stddev_gap_seconds / grain_indicators.mean_gap_seconds
        end as interval_cv
    {# Coverage of the suspect's log kind (the first by name if it is in both logs). #}
    from grain_indicators
    left join lesson_paths
        on grain_indicators.log_kind = lesson_paths.log_kind
),

fired as (
    select
        indicators.*,
        indicators.has_bot_user_agent as fires_bot_user_agent,
        indicators.requests >= {{ var('suspicious_min_requests') }}
        and indicators.peak_pages_per_minute
        >= {{ var('suspicious_peak_pages_per_minute') }} as fires_high_page_rate,
        indicators.requests >= {{ var('suspicious_min_requests') }}
        and indicators.peak_daily_paths >= {{ var('suspicious_daily_paths') }}
            as fires_many_paths,
        indicators.requests >= {{ var('suspicious_min_requests') }}
        and indicators.peak_daily_coverage >= {{ var('suspicious_daily_coverage') }}
            as fires_high_coverage,
        indicators.requests >= {{ var('suspicious_min_requests') }}
        and coalesce(indicators.interval_cv <= {{ var('suspicious_max_interval_cv') }}, false)
            as fires_regular_intervals,
        indicators.requests >= {{ var('suspicious_min_requests') }}
        and indicators.off_hours_share >= {{ var('suspicious_off_hours_share') }}
            as fires_off_hours,
        indicators.requests >= {{ var('suspicious_min_requests') }}
        and indicators.distinct_users >= {{ var('suspicious_distinct_users') }}
            as fires_many_users,
        indicators.requests >= {{ var('suspicious_min_requests') }}
        and indicators.distinct_user_agents >= {{ var('suspicious_distinct_user_agents') }}
            as fires_user_agent_churn,
        indicators.requests >= {{ var('suspicious_min_requests') }}
        and coalesce(indicators.error_ratio >= {{ var('suspicious_error_ratio') }}, false)
            as fires_high_error_ratio
    from indicators
),

scored as (
    select
        fired.*,
        case when fires_high_page_rate then {{ weights['high_page_rate'] }} else 0 end
        + case when fires_many_paths then {{ weights['many_paths'] }} else 0 end
        + case when fires_high_coverage then {{ weights['high_coverage'] }} else 0 end
        + case when fires_regular_intervals then {{ weights['regular_intervals'] }} else 0 end
        + case when fires_off_hours then {{ weights['off_hours'] }} else 0 end
        + case when fires_many_users then {{ weights['many_users'] }} else 0 end
        + case when fires_user_agent_churn then {{ weights['user_agent_churn'] }} else 0 end
        + case when fires_bot_user_agent then {{ weights['bot_user_agent'] }} else 0 end
        + case when fires_high_error_ratio then {{ weights['high_error_ratio'] }} else 0 end
            as score,
        nullif({{ join_non_null(', ', reason_expressions) }}, '') as reasons
    from fired
),

ranked as (
    select
        scored.*,
        scored.score >= {{ var('suspicious_min_score') }} as is_suspicious,
        row_number() over (
            partition by scored.grain
            order by
                scored.score desc,
                scored.peak_daily_paths desc,
                scored.peak_pages_per_minute desc,
                scored.suspect_key asc
        ) as suspicion_rank
    from scored
),

final as (
    select
        grain,
        suspect_key,
        ip,
        block_16,
        user_agent,
        suspicion_rank,
        score,
        is_suspicious,
        reasons,
        requests,
        first_seen_at,
        last_seen_at,
        active_days,
        peak_requests_per_minute,
        peak_pages_per_minute,
        distinct_paths,
        peak_daily_paths,
        round(cast(curriculum_coverage as {{ dbt.type_numeric() }}), 4) as curriculum_coverage,
        round(cast(peak_daily_coverage as {{ dbt.type_numeric() }}), 4) as peak_daily_coverage,
        round(cast(error_ratio as {{ dbt.type_numeric() }}), 4) as error_ratio,
        round(cast(off_hours_share as {{ dbt.type_numeric() }}), 4) as off_hours_share,
        distinct_users,
        distinct_user_agents,
        has_bot_user_agent,
        intervals,
        round(cast(interval_cv as {{ dbt.type_numeric() }}), 4) as interval_cv
    from ranked
)

select * from final
