{#
    The distinct values of each suspect (IP, or IP + user agent): one row per suspect and
    path, account (`user_key`) or user agent it was seen with, so that the distinct
    counts of int_traffic_suspect_indicators count these rows instead of reading the
    suspect's requests (a distinct count cannot be merged from daily counts).
    `is_page` (a path's requests are pages: it is a function of the path) and `is_bot`
    (the user agent is a declared bot's: when the user agent is classified again, all
    of its requests are written again) hold for all of the value's requests.
    Incremental: a run writes the values of the requests written since its last run
    (requests are never taken away, so a value once seen stays).
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['grain', 'suspect_key', 'value_kind', 'seen_value'],
        on_schema_change='fail',
        indexes=[{'columns': ['ip']}],
    )
}}

with

suspect_requests as (
    select * from {{ ref('int_traffic_suspect_requests') }}
    {% if is_incremental() %}
    where facts_at > {{ incremental_watermark('facts_at') }}
    {% endif %}
),

suspect_values as (
    select
        grain,
        suspect_key,
        'path' as value_kind,
        path as seen_value,
        min(ip) as ip,
        max(is_page) as is_page,
        0 as is_bot,
        max(facts_at) as facts_at
    from suspect_requests
    where path is not null
    group by grain, suspect_key, path

    union all

    select
        grain,
        suspect_key,
        'user_key' as value_kind,
        user_key as seen_value,
        min(ip) as ip,
        0 as is_page,
        0 as is_bot,
        max(facts_at) as facts_at
    from suspect_requests
    group by grain, suspect_key, user_key

    union all

    select
        grain,
        suspect_key,
        'user_agent' as value_kind,
        user_agent as seen_value,
        min(ip) as ip,
        0 as is_page,
        max(is_bot) as is_bot,
        max(facts_at) as facts_at
    from suspect_requests
    group by grain, suspect_key, user_agent
)

select * from suspect_values
