-- depends_on: {{ ref('stg_loads__loaded_files') }}
{#
    Each distinct client IP as the logs write it, validated once (macro ip_parts), with
    its IPv4 blocks and flags (macro ipv4_attributes): the request models join this
    small table instead of running the IP regexes and octet casts on every request
    (they were more than half of int_requests_unioned's query at 1M requests, and half
    of int_requests_enriched's).
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
),

with_blocks as (
    select
        ip,
        ip_version,
        is_valid_ip,
        {{ ipv4_attributes('ip', 'ip_version') }},
        loaded_at
    from validated
)

select * from with_blocks
