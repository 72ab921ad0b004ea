{#
    Rates: requests and page (non-asset) requests of each suspect's users (accounts, or
    IP + user agent) in each minute. Rates are a client's: the students behind a campus
    NAT address read at their own pace each, a scraper reads faster than anyone.
#}
{{ config(materialized='table') }}

with

suspect_requests as (
    select * from {{ ref('int_traffic_suspect_requests') }}
),

minutes as (
    select
        grain,
        suspect_key,
        user_key,
        requested_minute,
        count(*) as requests,
        sum(is_page) as pages
    from suspect_requests
    group by grain, suspect_key, user_key, requested_minute
)

select * from minutes
