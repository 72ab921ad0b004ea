-- depends_on: {{ ref('int_requests_traffic_facts') }}
{#
    Gaps, running aggregates: per suspect and UTC day, the gaps between consecutive
    requests that end that day, counted at the resolution the log really has, inside a
    visit only (up to `session_gap_minutes`). In a log whose seconds are shuffled within
    the minute (`int_log_time_resolutions`), gaps are counted in whole minutes (0 within
    a minute): an uptime monitor polling every five minutes is as regular there as
    anywhere, a reader is not. Count, sum and sum of squares add up over the days, so
    int_traffic_suspect_intervals merges these rows instead of ordering a suspect's
    whole history. Each gap is a whole number of microseconds (the finest a timestamp
    holds) and the sums are in numeric: exact, whatever the order they are added in.
    (Converting the integer to numeric is cheap; a float8's conversion is not: a
    quarter of this model's time at 1M when each float8 gap was cast.)
    Incremental: a run recomputes the days of the IPs with new or changed requests and
    the day after each (its first gap may start on the changed day); the day before is
    read for the gaps that cross midnight (a counted gap is shorter than a day). It reads
    them through the facts' (ip, local_date) index.
    Each grain orders its own requests, partitioned by its columns (suspect_grains()),
    and reads the stamped requests itself: a CTE read by both would be written whole.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['grain', 'suspect_key', 'day_started_at'],
        on_schema_change='fail',
        indexes=[{'columns': ['ip']}],
        delete_within='ip',
    )
}}

{%- set day = dbt.date_trunc('day', 'requested_at') %}
{%- set recomputed = 'true' %}
{%- set read = 'true' %}
{%- if is_incremental() %}
{#- The IPs and UTC days with new or changed requests: one CTE (changed_days, below),
    read by every grain. #}
{%- set recomputed %}
    (ip, {{ day }}) in (
        select ip, day_started_at from changed_days
        union
        select ip, {{ dbt.dateadd('day', 1, 'day_started_at') }} from changed_days
    )
{%- endset %}
{#- The requests to read, found through the (ip, local_date) index: a local date is
    within a day of the UTC date (doc block local_time), so each is within three days of
    the local date of a changed request of its IP. (Without it the UTC days matched no
    index: an incremental run read every request twice.) #}
{%- set near_local_dates = [] %}
{%- for shift in range(-3, 4) %}
{%- do near_local_dates.append(
    'select ip, cast(' ~ dbt.dateadd('day', shift, 'local_date') ~ ' as date)'
    ~ ' from changed_days'
) %}
{%- endfor %}
{%- set read %}
    ((ip, {{ day }}) in (
        select ip, day_started_at from changed_days
        union
        select ip, {{ dbt.dateadd('day', 1, 'day_started_at') }} from changed_days
        union
        select ip, {{ dbt.dateadd('day', -1, 'day_started_at') }} from changed_days
    ))
    and (ip, local_date) in ({{ near_local_dates | join(' union ') }})
{%- endset %}
{%- endif %}

{%- set stamped %}
    select
        ip,
        user_agent_key,
        {{ day }} as day_started_at,
        case
            when time_resolution = 'minute' then requested_minute else requested_at
        end as resolved_at,
        requested_at,
        request_id,
        facts_at
    from {{ ref('int_requests_traffic_facts') }}
    where {{ read }}
{%- endset %}

with
{% if is_incremental() %}
changed_days as (
    select ip, {{ day }} as day_started_at, local_date
    from {{ ref('int_requests_traffic_facts') }}
    where facts_at > {{ incremental_watermark('facts_at') }}
),
{% endif %}
{% for grain, columns in suspect_grains().items() %}
{{ grain }}_gaps as (
    select
        {{ suspect_grain_columns(grain) }},
        day_started_at,
        {{ seconds_between(
            'lag(resolved_at) over (partition by ' ~ columns | join(', ')
            ~ ' order by resolved_at, requested_at, request_id)',
            'resolved_at'
        ) }} as gap_seconds,
        requested_at,
        facts_at
    from ({{ stamped }}) as stamped
),
{% endfor %}
counted as (
    {%- for grain in suspect_grains() %}
    select
        grain,
        ip,
        user_agent_key,
        day_started_at,
        facts_at,
        case
            when gap_seconds <= {{ var('session_gap_minutes') }} * 60
                then cast(
                    cast(round(gap_seconds * 1000000) as {{ dbt.type_bigint() }})
                    as {{ dbt.type_numeric() }}
                )
        end as gap_microseconds
    from {{ grain }}_gaps
    where {{ recomputed }}
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
),

{# A row for every recomputed day with requests, gaps or not (it replaces the old). #}
gap_days as (
    select
        grain,
        day_started_at,
        ip,
        user_agent_key,
        count(gap_microseconds) as intervals,
        cast(
            coalesce(sum(gap_microseconds), 0) / 1000000 as {{ dbt.type_numeric() }}
        ) as gap_seconds_sum,
        cast(
            coalesce(sum(gap_microseconds * gap_microseconds), 0) / 1000000000000
            as {{ dbt.type_numeric() }}
        ) as gap_seconds_squared_sum,
        max(facts_at) as facts_at
    from counted
    group by grain, ip, user_agent_key, day_started_at
),

final as (
    select
        gap_days.grain,
        {{ suspect_key() }} as suspect_key,
        gap_days.day_started_at,
        gap_days.ip,
        gap_days.intervals,
        gap_days.gap_seconds_sum,
        gap_days.gap_seconds_squared_sum,
        gap_days.facts_at
    from gap_days
    {{ suspect_user_agent_join('gap_days') }}
)

select * from final
