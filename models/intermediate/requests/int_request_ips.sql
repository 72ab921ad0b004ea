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

distinct_ips as (
    {{ distinct_logged_values('ip') }}
),

validated as (
    select
        ip,
        {{ ip_parts('ip') }},
        loaded_at
    from distinct_ips
)

select * from validated
