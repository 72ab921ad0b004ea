-- depends_on: {{ ref('int_requests_traffic_facts') }}
{#
    Coverage: distinct paths and distinct lesson (page) paths of each suspect's users
    (accounts, or IP + user agent) on each local day. Per-day peaks of one client, not
    totals, measure crawling: a campus NAT address collects a class's lessons over the
    years and its students a few a day each, a scraper takes them in one sitting.
    Incremental: a run recomputes the days of the IPs with new or changed requests.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['grain', 'suspect_key', 'user_key', 'local_date'],
        on_schema_change='fail',
    )
}}

with

suspect_requests as (
    select * from {{ ref('int_traffic_suspect_requests') }}
    where {{ traffic_facts_batch(['ip', 'local_date']) }}
),

day_paths as (
    select
        grain,
        suspect_key,
        user_key,
        local_date,
        path,
        max(is_page) as is_page,
        max(facts_at) as facts_at
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
        sum(is_page) as day_pages,
        max(facts_at) as facts_at
    from day_paths
    group by grain, suspect_key, user_key, local_date
)

select * from days
