-- depends_on: {{ ref('int_requests_traffic_facts') }}
{#
    Gaps: how regular each suspect's requests are, at the resolution its log really
    has. The coefficient of variation of the gaps between consecutive requests, gaps
    inside a visit only (up to `session_gap_minutes`): scripts are regular. In a log
    whose seconds are shuffled within the minute (`int_log_time_resolutions`), gaps
    are counted in whole minutes (0 within a minute): an uptime monitor polling every
    five minutes is as regular there as anywhere, a reader is not.
    Incremental: a run recomputes the suspects of the IPs with new or changed requests
    (a gap counted once is never lost: new requests only split gaps).
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['grain', 'suspect_key'],
        on_schema_change='fail',
    )
}}

with

suspect_requests as (
    select * from {{ ref('int_traffic_suspect_requests') }}
    where {{ traffic_facts_batch(['ip']) }}
),

stamped as (
    select
        grain,
        suspect_key,
        case
            when time_resolution = 'minute' then requested_minute else requested_at
        end as resolved_at,
        requested_at,
        request_id,
        facts_at
    from suspect_requests
),

gaps as (
    select
        grain,
        suspect_key,
        {{ seconds_between(
            'lag(resolved_at) over (partition by grain, suspect_key '
            ~ 'order by resolved_at, requested_at, request_id)',
            'resolved_at'
        ) }} as gap_seconds,
        max(facts_at) over (partition by grain, suspect_key) as facts_at
    from stamped
),

intervals as (
    select
        grain,
        suspect_key,
        count(*) as intervals,
        avg(gap_seconds) as mean_gap_seconds,
        {{ stddev_sample('gap_seconds') }} as stddev_gap_seconds,
        max(facts_at) as facts_at
    from gaps
    where gap_seconds <= {{ var('session_gap_minutes') }} * 60
    group by grain, suspect_key
)

select * from intervals
