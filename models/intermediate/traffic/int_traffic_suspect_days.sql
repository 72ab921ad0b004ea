{#
    Coverage: distinct paths and distinct lesson (page) paths of each suspect's users
    (accounts, or IP + user agent) on each local day. Per-day peaks of one client, not
    totals, measure crawling: a campus NAT address collects a class's lessons over the
    years and its students a few a day each, a scraper takes them in one sitting.
#}
{{ config(materialized='table') }}

with

suspect_requests as (
    select * from {{ ref('int_traffic_suspect_requests') }}
),

day_paths as (
    select
        grain,
        suspect_key,
        user_key,
        local_date,
        path,
        max(is_page) as is_page
    from suspect_requests
    where path is not null
    group by grain, suspect_key, user_key, local_date, path
),

days as (
    select
        grain,
        suspect_key,
        user_key,
        local_date,
        count(*) as day_paths,
        sum(is_page) as day_pages
    from day_paths
    group by grain, suspect_key, user_key, local_date
)

select * from days
