-- depends_on: {{ ref('stg_loads__loaded_files') }}
{#
    What each loaded file's timestamps and fields can tell. Some logs write the seconds
    shuffled within the minute (lines in minute order, seconds in no order): there a
    gap of a few seconds means nothing, and regularity is measured in whole minutes.
    A file carries the user-agent field when any of its lines has one (the bootcamp
    format and the common log format have none: a missing user agent is then no signal).
    Read from the two staging views, not int_requests_unioned (the same lines): the
    measure runs beside the stacking of the requests instead of after it, and
    int_requests_traffic_facts waits for both.
    Incremental: a run measures again the files with lines loaded since its last run,
    every line of them (all its loaded versions), read by the files' ids through the raw
    tables' primary key.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='source_file',
        on_schema_change='fail',
    )
}}

{%- set batch = 'true' %}
{%- if is_incremental() %}
{%- set loaded_files = ref('stg_loads__loaded_files') %}
{%- set batch = in_subquery(
    'file_id',
    'select versions.file_id from ' ~ loaded_files ~ ' as versions where versions.source_file'
    ~ ' in (select changed.source_file from ' ~ loaded_files ~ ' as changed'
    ~ ' where changed.loaded_at > ' ~ incremental_watermark('loaded_at') ~ ')',
) %}
{%- endif %}

with

requests as (
    {%- for log in ['stg_curriculum__requests', 'stg_web__requests'] %}
    select
        source_file,
        line_number,
        requested_at,
        user_agent,
        loaded_at
    from {{ ref(log) }}
    where {{ batch }}
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
),

steps as (
    select
        source_file,
        user_agent,
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
        count(user_agent) as lines_with_user_agent,
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
