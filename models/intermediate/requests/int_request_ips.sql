{#
    Each distinct client IP as the logs write it, validated once (macro ip_parts): the
    request models join this small table instead of running the IP regexes on every
    request (they were more than half of int_requests_unioned's query at 1M requests).
    Incremental: a run adds the IPs of the lines loaded since the last run.
#}
{{
    config(
        materialized='incremental',
        unique_key='ip',
    )
}}

with

raw_ips as (
    select
        ip,
        loaded_at
    from {{ ref('stg_curriculum__requests') }}
    {% if is_incremental() %}
    where loaded_at > {{ incremental_watermark('loaded_at') }}
    {% endif %}

    union all

    select
        ip,
        loaded_at
    from {{ ref('stg_web__requests') }}
    {% if is_incremental() %}
    where loaded_at > {{ incremental_watermark('loaded_at') }}
    {% endif %}
),

distinct_ips as (
    select
        ip,
        max(loaded_at) as loaded_at
    from raw_ips
    where ip is not null
    group by ip
),

validated as (
    select
        ip,
        {{ ip_parts('ip') }},
        loaded_at
    from distinct_ips
)

select * from validated
