{#
    What each loaded file's timestamps and fields can tell. Some logs write the seconds
    shuffled within the minute (lines in minute order, seconds in no order): there a
    gap of a few seconds means nothing, and regularity is measured in whole minutes.
    A file carries the user-agent field when any of its lines has one (the bootcamp
    format and the common log format have none: a missing user agent is then no signal).
    Incremental: a run measures again the files with lines loaded since its last run.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='source_file',
        on_schema_change='fail',
    )
}}

with

requests as (
    select * from {{ ref('int_requests_unioned') }}
    {% if is_incremental() %}
    where {{ in_subquery(
        'source_file',
        'select distinct source_file from ' ~ ref('int_requests_unioned')
        ~ ' where loaded_at > ' ~ incremental_watermark('loaded_at'),
    ) }}
    {% endif %}
),

steps as (
    select
        source_file,
        user_agent_key,
        loaded_at,
        {{ dbt.date_trunc('minute', 'requested_at') }} as requested_minute,
        requested_at
        < lag(requested_at) over by_line as is_backward_step,
        {{ dbt.date_trunc('minute', 'requested_at') }}
        = lag({{ dbt.date_trunc('minute', 'requested_at') }}) over by_line as is_same_minute
    from requests
    window by_line as (partition by source_file order by line_number)
),

files as (
    select
        source_file,
        count(*) as line_count,
        sum(case when is_backward_step and is_same_minute then 1 else 0 end)
            as backward_steps_within_minute,
        sum(case when is_backward_step and not is_same_minute then 1 else 0 end)
            as backward_steps_across_minutes,
        count(user_agent_key) as lines_with_user_agent,
        max(loaded_at) as loaded_at
    from steps
    group by source_file
),

final as (
    select
        source_file,
        line_count,
        backward_steps_within_minute,
        backward_steps_across_minutes,
        case
            when
                backward_steps_within_minute
                >= {{ var('shuffled_seconds_min_share') }} * line_count
                then 'minute'
            else 'second'
        end as time_resolution,
        lines_with_user_agent > 0 as has_user_agent_field,
        loaded_at
    from files
)

select * from final
