{#
    Every request with the facts the traffic classes are built from: its local time
    (the log's own offset or `curriculum_log_timezone`), whether it is a page or an
    asset, robots.txt, an exploit probe (var `exploit_probe_pattern`), a request line
    that is not HTTP (TLS bytes, garbage: web logs only), an error, a declared bot's
    user agent, or a missing user agent in a file that carries the field.
    Incremental: a run writes the requests of the files measured in this run
    (int_log_time_resolutions: files with new lines) and of the user agents classified
    since its last run; `facts_at` tells the traffic models after it which rows changed.
#}
{# The unique index on request_id is the key, checked on every write (incremental runs
    too): the key's unique test reads the catalog (macro key_not_enforced). The index on
    (ip, local_date) lets an incremental run of the suspects' tables read the changed
    (IP, day) groups only, not a busy IP's whole history (macro traffic_facts_batch). The
    indexes on facts_at and loaded_at give an incremental run its watermarks without
    reading every row. #}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='request_id',
        on_schema_change='fail',
        indexes=[
            {'columns': ['request_id'], 'unique': True},
            {'columns': ['ip', 'local_date']},
            {'columns': ['facts_at']},
            {'columns': ['loaded_at']},
        ],
    )
}}

{#- The batch of an incremental run: the requests of the files with new lines (through
    the index on int_requests_unioned.source_file), and of the user agents classified
    again that earlier requests carry (new rules). #}
{%- set batch = 'true' %}
{%- if is_incremental() %}
{%- set loaded_until = incremental_watermark('loaded_at') %}
{%- set reclassified = user_agents_classified_again(
    incremental_watermark('facts_at'), loaded_until
) %}
{%- set batch = in_subquery(
    'requests.source_file',
    'select changed.source_file from ' ~ ref('int_log_time_resolutions')
    ~ ' as changed where changed.loaded_at > ' ~ loaded_until,
) %}
{%- if reclassified is not none %}
{%- set batch = '(' ~ batch ~ ' or '
    ~ user_agent_join_key('requests.user_agent_key') ~ ' in (' ~ reclassified ~ '))' %}
{%- endif %}
{%- endif %}

{% set off_start = var('off_hours_start') %}
{% set off_end = var('off_hours_end') %}
{# Off-hours wrap past midnight when they start later than they end (e.g. 22 to 6). #}
{% set off_hours_operator = 'and' if off_start < off_end else 'or' %}

with

requests as (
    select * from {{ ref('int_requests_unioned') }}
),

user_agents as (
    select * from {{ ref('int_user_agents_classified') }}
),

files as (
    select * from {{ ref('int_log_time_resolutions') }}
),

request_paths as (
    select * from {{ ref('int_request_paths') }}
),

{# An exploit probe is a property of the path: matched once per distinct path, not on
    every request (the regex was most of this model's time). #}
probe_paths as (
    select
        path,
        case
            when {{ regexp_like_ci('path', "'" ~ var('exploit_probe_pattern') ~ "'") }}
                then 1
            else 0
        end as is_probe
    from request_paths
    where path is not null
    group by path
),

facts as (
    select
        requests.request_id,
        requests.log_kind,
        requests.ip,
        requests.ip_version,
        {#- The key (doc block user_agent_key), not the text: the suspects' tables group
            every request by it, and the text was a third of this table's bytes. A
            missing user agent has the key of '' (macro user_agent_join_key), as the
            suspects name it; every user agent is classified (int_user_agents_classified
            reads every logged one; int_requests_enriched's not-null test on
            device_class checks the same join). #}
        {{ user_agent_join_key('requests.user_agent_key') }} as user_agent_key,
        requests.user_key,
        requests.requested_at,
        {{ dbt.date_trunc('minute', 'requests.requested_at') }} as requested_minute,
        cast(requests.requested_local_time as date) as local_date,
        cast({{ extract_part('hour', 'requests.requested_local_time') }} as {{ dbt.type_int() }})
            as local_hour,
        requests.path,
        files.time_resolution,
        case
            when coalesce(requests.is_asset, false) or requests.path is null then 0 else 1
        end as is_page,
        case when coalesce(requests.is_asset, false) then 1 else 0 end as is_asset,
        case when requests.status is null then 0 else 1 end as has_status,
        case when coalesce(requests.is_error, false) then 1 else 0 end as is_error,
        {# A missing user agent is no bot's: it is its own signal, where the format has it. #}
        case
            when requests.user_agent_key is not null and coalesce(user_agents.is_bot, false)
                then 1
            else 0
        end as is_bot,
        case when requests.path = 'robots.txt' then 1 else 0 end as is_robots_txt,
        coalesce(probe_paths.is_probe, 0) as is_probe,
        case
            when
                requests.log_kind = 'web'
                and coalesce(
                    requests.method not in ({{ string_list(var('http_methods')) }}), true
                )
                then 1
            else 0
        end as is_non_http,
        case
            when requests.user_agent_key is null and files.has_user_agent_field then 1 else 0
        end as is_missing_user_agent,
        requests.loaded_at
    from requests
    inner join files
        on requests.source_file = files.source_file
    left join user_agents
        on {{ user_agent_join_key('requests.user_agent_key') }} = user_agents.user_agent_key
    left join probe_paths
        on requests.path = probe_paths.path
    where requests.ip is not null and {{ batch }}
),

final as (
    select
        facts.*,
        case
            when
                facts.local_hour >= {{ off_start }}
                {{ off_hours_operator }} facts.local_hour < {{ off_end }}
                then 1
            else 0
        end as is_off_hours,
        {{ dbt.current_timestamp() }} as facts_at
    from facts
)

{#- Stored in the order of the (ip, local_date) index: int_traffic_suspect_day_totals
    groups by those columns first and int_traffic_suspect_gap_days walks the index, so
    both read the heap's pages in order (macro stored_in_order, which says when the
    order holds; figures in docs/performance.md). #}
select * from final
{{ stored_in_order(['ip', 'local_date']) }}
