-- depends_on: {{ ref('stg_loads__loaded_files') }}
{#
    Both kinds of logs as one request stream with the columns they share, parsed once
    and stored: incremental, a run adds the rows of files loaded since the last run.
    Paths are parsed once per distinct path (int_request_paths), IPs validated once per
    distinct IP (int_request_ips), and joined. The user agent is stored as its key
    (doc block user_agent_key), not as its text.
    (Loads are serialised, so `loaded_at` only grows; the new lines are read by their
    files' ids, macro lines_loaded_since_last_run.)
#}
{# The unique index on request_id is the key, checked on every write (incremental runs
    too): the key's unique test reads the catalog (macro key_not_enforced). The index on
    source_file lets an incremental run read the requests of the files with new lines
    only (int_log_time_resolutions, int_requests_traffic_facts). #}
{{
    config(
        materialized='incremental',
        unique_key='request_id',
        indexes=[
            {'columns': ['request_id'], 'unique': True},
            {'columns': ['user_key', 'requested_at']},
            {'columns': ['loaded_at']},
            {'columns': ['source_file']},
            {'columns': ['requested_at']},
        ],
    )
}}

{%- set new_lines = lines_loaded_since_last_run() %}

with

curriculum_requests as (
    select * from {{ ref('stg_curriculum__requests') }}
    where {{ new_lines }}
),

web_requests as (
    select * from {{ ref('stg_web__requests') }}
    where {{ new_lines }}
),

unioned as (
    select
        request_id,
        'curriculum' as log_kind,
        source_file,
        line_number,
        requested_at,
        cast(null as {{ dbt.type_int() }}) as utc_offset_minutes,
        user_id,
        cohort_id,
        ip,
        user_agent,
        raw_path,
        cast(null as {{ dbt.type_string() }}) as method,
        cast(null as {{ dbt.type_int() }}) as status,
        cast(null as {{ dbt.type_boolean() }}) as is_error,
        loaded_at
    from curriculum_requests

    union all

    select
        request_id,
        'web' as log_kind,
        source_file,
        line_number,
        requested_at,
        utc_offset_minutes,
        cast(null as {{ dbt.type_bigint() }}) as user_id,
        cast(null as {{ dbt.type_bigint() }}) as cohort_id,
        ip,
        user_agent,
        raw_path,
        method,
        status,
        is_error,
        loaded_at

    from web_requests
),

paths as (
    select * from {{ ref('int_request_paths') }}
),

ips as (
    select * from {{ ref('int_request_ips') }}
),

{# The columns the readers use: the web log's offset is read into the local time, and
   the IP's validity and the path's depth, extension and home flag stay in
   int_request_ips and int_request_paths. #}
with_parts as (
    select
        unioned.request_id,
        unioned.log_kind,
        unioned.source_file,
        unioned.line_number,
        unioned.requested_at,
        {# Wall-clock time where the request was made: the web log's own offset, the
           curriculum log's var `curriculum_log_timezone`. #}
        {{ request_local_timestamp('unioned.requested_at', 'unioned.utc_offset_minutes') }}
            as requested_local_time,
        unioned.user_id,
        unioned.cohort_id,
        unioned.ip,
        ips.ip_version,
        {{ user_agent_key('unioned.user_agent') }} as user_agent_key,
        {# A user is the logged-in account; without one, the IP and user agent. #}
        case
            when unioned.user_id is not null
                then {{ dbt.concat(["'user:'", dbt.cast("unioned.user_id", dbt.type_string())]) }}
            else {{ dbt.concat([
                "'agent:'", "unioned.ip", "'|'", "coalesce(unioned.user_agent, '')"
            ]) }}
        end as user_key,
        paths.path,
        paths.module,
        paths.lesson,
        coalesce(paths.is_asset, false) as is_asset,
        coalesce(paths.is_lesson_view, false) as is_lesson_view,
        unioned.method,
        unioned.status,
        unioned.is_error,
        unioned.loaded_at
    from unioned
    left join paths
        on unioned.raw_path = paths.raw_path
    left join ips
        on unioned.ip = ips.ip
)

select * from with_parts
