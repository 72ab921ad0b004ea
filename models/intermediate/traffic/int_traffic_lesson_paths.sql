{#
    The curriculum as the logs show it: every distinct page path (not an asset), per log
    kind, over all requests. The coverage shares of int_traffic_suspect_indicators divide
    by its count per log kind.
    Incremental: a run adds the paths of the requests written since its last run
    (requests are never taken away, and whether a path is a page is a function of the
    path, so a path once seen stays), and an incremental run of the indicators counts
    these few rows instead of every page request.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['log_kind', 'path'],
        on_schema_change='fail',
    )
}}

{%- set batch = 'true' %}
{%- if is_incremental() %}
{%- set batch = 'facts_at > ' ~ incremental_watermark('facts_at') %}
{%- endif %}

with

page_requests as (
    select
        log_kind,
        path,
        facts_at
    from {{ ref('int_requests_traffic_facts') }}
    where is_page = 1 and {{ batch }}
),

final as (
    select
        log_kind,
        path,
        max(facts_at) as facts_at
    from page_requests
    group by log_kind, path
)

select * from final
