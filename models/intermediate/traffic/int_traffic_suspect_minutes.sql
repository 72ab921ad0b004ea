-- depends_on: {{ ref('int_requests_traffic_facts') }}
{#
    Rates: requests and page (non-asset) requests of each suspect's users (accounts, or
    IP + user agent) in each minute. Rates are a client's: the students behind a campus
    NAT address read at their own pace each, a scraper reads faster than anyone.
    Incremental: a run recomputes the minutes of the IPs with new or changed requests.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['grain', 'suspect_key', 'user_key', 'requested_minute'],
        on_schema_change='fail',
    )
}}

with

suspect_requests as (
    select * from {{ ref('int_traffic_suspect_requests') }}
    where {{ traffic_facts_batch(['ip', 'requested_minute']) }}
),

minutes as (
    select
        grain,
        suspect_key,
        user_key,
        requested_minute,
        count(*) as requests,
        sum(is_page) as pages,
        max(facts_at) as facts_at
    from suspect_requests
    group by grain, suspect_key, user_key, requested_minute
)

select * from minutes
