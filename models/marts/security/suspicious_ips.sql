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
{% set grains = [
    {'name': 'ip', 'key': 'ip'},
    {'name': 'ip_user_agent', 'key': 'ip_agent_key'},
] %}
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

requests as (
    select * from {{ ref('int_requests_enriched') }}
),

timed_requests as (
    select
        request_id,
        log_kind,
        ip,
        block_16,
        coalesce(user_agent, '') as user_agent,
        user_key,
        requested_at,
        requested_date,
        {{ dbt.date_trunc('minute', 'requested_at') }} as requested_minute,
        {{ utc_to_local_hour('requested_at', var('curriculum_log_timezone')) }} as local_hour,
        path,
        coalesce(is_asset, false) or path is null as is_not_lesson,
        status,
        coalesce(is_error, false) as is_error,
        coalesce(is_bot, false) as is_bot
    from requests
    where ip is not null
),

{# The curriculum: every distinct lesson (non-asset) path, per log kind. #}
lessons as (
    select distinct
        log_kind,
        path
    from timed_requests
    where not is_not_lesson
),

lesson_paths as (
    select
        log_kind,
        count(*) as lesson_paths
    from lessons
    group by log_kind
),

timed as (
    select
        timed_requests.*,
        lesson_paths.lesson_paths,
        {{ dbt.concat(['timed_requests.ip', "'|'", 'timed_requests.user_agent']) }}
            as ip_agent_key,
        (
            timed_requests.local_hour >= {{ off_start }}
            {{ off_hours_operator }} timed_requests.local_hour < {{ off_end }}
        ) as is_off_hours
    from timed_requests
    left join lesson_paths
        on timed_requests.log_kind = lesson_paths.log_kind
),

{#
    The same indicators for each grain; `suspect_key` is the IP, or `<ip>|<user agent>`.
    Distinct counts are taken in stages (group by, then count rows): that hashes
    instead of sorting, several times faster than count(distinct) on a million rows.
#}
{% for grain in grains %}
{% set key = grain['key'] %}
{% set suffix = grain['name'] %}
{% set agent_expression = 'cast(null as ' ~ dbt.type_string() ~ ')' if suffix == 'ip'
    else 'min(user_agent)' %}

gaps_{{ suffix }} as (
    select
        {{ key }} as suspect_key,
        {{ seconds_between(
            'lag(requested_at) over (partition by ' ~ key ~ ' order by requested_at, request_id)',
            'requested_at'
        ) }} as gap_seconds
    from timed
),

regularity_{{ suffix }} as (
    select
        suspect_key,
        count(*) as intervals,
        avg(gap_seconds) as mean_gap_seconds,
        {{ stddev('gap_seconds') }} as stddev_gap_seconds
    from gaps_{{ suffix }}
    {# Only gaps inside a visit: the pauses between visits are not a rhythm. #}
    where gap_seconds <= {{ var('session_gap_minutes') }} * 60
    group by suspect_key
),

minutes_{{ suffix }} as (
    select
        {{ key }} as suspect_key,
        requested_minute,
        count(*) as minute_requests,
        sum(case when is_not_lesson then 0 else 1 end) as minute_pages
    from timed
    group by {{ key }}, requested_minute
),

peaks_{{ suffix }} as (
    select
        suspect_key,
        max(minute_requests) as peak_requests_per_minute,
        max(minute_pages) as peak_pages_per_minute
    from minutes_{{ suffix }}
    group by suspect_key
),

day_paths_{{ suffix }} as (
    select
        {{ key }} as suspect_key,
        requested_date,
        path,
        min(case when is_not_lesson then 0 else 1 end) as is_lesson
    from timed
    group by {{ key }}, requested_date, path
),

days_{{ suffix }} as (
    select
        suspect_key,
        requested_date,
        count(path) as day_paths,
        sum(is_lesson) as day_lessons
    from day_paths_{{ suffix }}
    group by suspect_key, requested_date
),

daily_peaks_{{ suffix }} as (
    select
        suspect_key,
        count(*) as active_days,
        max(day_paths) as peak_daily_paths,
        max(day_lessons) as peak_daily_lessons
    from days_{{ suffix }}
    group by suspect_key
),

paths_{{ suffix }} as (
    select
        suspect_key,
        path,
        max(is_lesson) as is_lesson
    from day_paths_{{ suffix }}
    group by suspect_key, path
),

path_totals_{{ suffix }} as (
    select
        suspect_key,
        count(path) as distinct_paths,
        sum(is_lesson) as distinct_lessons
    from paths_{{ suffix }}
    group by suspect_key
),

suspect_users_{{ suffix }} as (
    select distinct
        {{ key }} as suspect_key,
        user_key
    from timed
),

users_{{ suffix }} as (
    select
        suspect_key,
        count(*) as distinct_users
    from suspect_users_{{ suffix }}
    group by suspect_key
),

suspect_agents_{{ suffix }} as (
    select distinct
        {{ key }} as suspect_key,
        user_agent
    from timed
),

agents_{{ suffix }} as (
    select
        suspect_key,
        count(*) as distinct_user_agents
    from suspect_agents_{{ suffix }}
    group by suspect_key
),

totals_{{ suffix }} as (
    select
        '{{ suffix }}' as grain,
        {{ key }} as suspect_key,
        min(ip) as ip,
        min(block_16) as block_16,
        {# The user agent of an ip_user_agent suspect; an IP has many. #}
        {{ agent_expression }} as user_agent,
        count(*) as requests,
        min(requested_at) as first_seen_at,
        max(requested_at) as last_seen_at,
        {# Lesson paths of the suspect's log kind (the larger one if it is in both). #}
        max(lesson_paths) as lesson_paths,
        count(status) as requests_with_status,
        sum(case when is_error then 1 else 0 end) as error_requests,
        sum(case when is_off_hours then 1 else 0 end) as off_hours_requests,
        {{ dbt.bool_or('is_bot') }} as has_bot_user_agent
    from timed
    group by {{ key }}
),

grain_indicators_{{ suffix }} as (
    select
        totals.*,
        daily_peaks.active_days,
        daily_peaks.peak_daily_paths,
        daily_peaks.peak_daily_lessons,
        peaks.peak_requests_per_minute,
        peaks.peak_pages_per_minute,
        path_totals.distinct_paths,
        path_totals.distinct_lessons,
        user_counts.distinct_users,
        agent_counts.distinct_user_agents,
        regularity.intervals,
        regularity.mean_gap_seconds,
        regularity.stddev_gap_seconds
    from totals_{{ suffix }} as totals
    inner join peaks_{{ suffix }} as peaks
        on totals.suspect_key = peaks.suspect_key
    inner join daily_peaks_{{ suffix }} as daily_peaks
        on totals.suspect_key = daily_peaks.suspect_key
    inner join path_totals_{{ suffix }} as path_totals
        on totals.suspect_key = path_totals.suspect_key
    inner join users_{{ suffix }} as user_counts
        on totals.suspect_key = user_counts.suspect_key
    inner join agents_{{ suffix }} as agent_counts
        on totals.suspect_key = agent_counts.suspect_key
    left join regularity_{{ suffix }} as regularity
        on totals.suspect_key = regularity.suspect_key
),
{% endfor %}

grain_indicators as (
    {%- for grain in grains %}
    select * from grain_indicators_{{ grain['name'] }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

indicators as (
    select
        grain_indicators.grain,
        grain_indicators.suspect_key,
        grain_indicators.ip,
        grain_indicators.block_16,
        grain_indicators.user_agent,
        grain_indicators.requests,
        grain_indicators.first_seen_at,
        grain_indicators.last_seen_at,
        grain_indicators.active_days,
        grain_indicators.peak_requests_per_minute,
        grain_indicators.peak_pages_per_minute,
        grain_indicators.distinct_paths,
        grain_indicators.peak_daily_paths,
        1.0 * grain_indicators.distinct_lessons / grain_indicators.lesson_paths
            as curriculum_coverage,
        1.0 * grain_indicators.peak_daily_lessons / grain_indicators.lesson_paths
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
    from grain_indicators
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
        reasons,
        requests,
        first_seen_at,
        last_seen_at,
        active_days,
        peak_requests_per_minute,
        peak_pages_per_minute,
        distinct_paths,
        peak_daily_paths,
        round(cast(curriculum_coverage as numeric), 4) as curriculum_coverage,
        round(cast(peak_daily_coverage as numeric), 4) as peak_daily_coverage,
        round(cast(error_ratio as numeric), 4) as error_ratio,
        round(cast(off_hours_share as numeric), 4) as off_hours_share,
        distinct_users,
        distinct_user_agents,
        has_bot_user_agent,
        intervals,
        round(cast(interval_cv as numeric), 4) as interval_cv
    from ranked
)

select * from final
