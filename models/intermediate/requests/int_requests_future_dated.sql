{# Requests dated after "now" plus the tolerance: kept out of sessions, listed here. #}
with

requests as (
    select * from {{ ref('int_requests_enriched') }}
),

future_dated as (
    select
        request_id,
        log_kind,
        source_file,
        line_number,
        requested_at,
        user_key,
        loaded_at
    from requests
    where {{ is_future_dated('requested_at') }}
)

select * from future_dated
