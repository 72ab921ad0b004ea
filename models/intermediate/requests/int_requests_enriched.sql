-- depends_on: {{ ref('int_requests_traffic_facts') }}
{#
    Every request with who made it, their cohort and program, the cohort phase, the
    content's curriculum, the IP's blocks and flags (int_request_ips), the user agent's
    classes and the traffic class: stored once (8 models read it), incremental. A run
    enriches the requests loaded since its last run, and again those whose enrichment
    changed since: of an IP and user agent whose traffic class changed, of a user agent
    classified again (new rules), of a cohort loaded again (a new export). Whether a
    request is future-dated depends on "now", so it is not stored: readers use the macro
    `is_future_dated`.
#}
{# The unique index on request_id is the key, checked on every write (incremental runs
    too): the key's unique test reads the catalog (macro key_not_enforced). The index on
    enriched_at gives an incremental run its watermark without reading every row. #}
{{
    config(
        materialized='incremental',
        unique_key='request_id',
        indexes=[
            {'columns': ['request_id'], 'unique': True},
            {'columns': ['user_key', 'requested_at']},
            {'columns': ['loaded_at']},
            {'columns': ['enriched_at']},
        ],
        pre_hook="{{ prefer_hash_joins() }}",
    )
}}

{#- The batch of an incremental run: new requests, and those whose enrichment changed,
    each read through an index. A user agent classified again or a cohort loaded again
    (rare, and without an index) adds its condition only when there is one. #}
{%- set batch = 'true' %}
{%- if is_incremental() %}
{%- set enriched_until = incremental_watermark('enriched_at') %}
{%- set loaded_until = incremental_watermark('loaded_at') %}
{%- set reclassified = user_agents_classified_again(enriched_until, loaded_until) %}
{#- The requests of the pairs whose traffic class is new or changed: the pairs through
    their index on classified_at, their requests through the facts' index on the IP. #}
{%- set reclassified_pairs_requests %}
            select facts.request_id
            from {{ ref('int_ip_user_agent_traffic_classes') }} as reclassified
            inner join {{ ref('int_requests_traffic_facts') }} as facts
                on
                    reclassified.ip = facts.ip
                    and reclassified.user_agent_key = facts.user_agent_key
            where reclassified.classified_at > {{ enriched_until }}
{%- endset %}
{%- set reloaded_cohorts_sql %}
            select cohorts.cohort_id
            from {{ ref('stg_curriculum__cohorts') }} as cohorts
            where cohorts.loaded_at > {{ enriched_until }}
{%- endset %}
{%- set conditions = [
    'unioned.loaded_at > ' ~ loaded_until,
    in_subquery('unioned.request_id', reclassified_pairs_requests),
] %}
{%- if reclassified is not none %}
{%- do conditions.append(
    user_agent_join_key('unioned.user_agent_key') ~ ' in (' ~ reclassified ~ ')'
) %}
{%- endif %}
{%- set reloaded_cohorts = subquery_if_any(reloaded_cohorts_sql) %}
{%- if reloaded_cohorts is not none %}
{%- do conditions.append('unioned.cohort_id in (' ~ reloaded_cohorts ~ ')') %}
{%- endif %}
{%- set batch = '(' ~ conditions | join(' or ') ~ ')' %}
{%- endif %}

with

{# The columns of the requests that readers of the enriched requests use, no more: every
   request is a row here. (The web log's method and status and the IP's version stay in
   int_requests_unioned, for the traffic facts, and so do the file and line a request
   came from, for int_requests_future_dated; the user agent's families in
   int_user_agents_classified.) #}
requests as (
    select
        unioned.request_id,
        unioned.log_kind,
        unioned.requested_at,
        unioned.requested_local_time,
        unioned.user_id,
        unioned.cohort_id,
        unioned.user_key,
        unioned.ip,
        unioned.user_agent_key,
        unioned.path,
        unioned.module,
        unioned.lesson,
        unioned.is_asset,
        unioned.is_lesson_view,
        unioned.loaded_at
    from {{ ref('int_requests_unioned') }} as unioned
    where {{ batch }}
),

cohorts as (
    select * from {{ ref('stg_curriculum__cohorts') }}
),

programs as (
    select * from {{ ref('programs') }}
),

module_curricula as (
    select * from {{ ref('module_curricula') }}
),

ips as (
    select * from {{ ref('int_request_ips') }}
),

user_agents as (
    select * from {{ ref('int_user_agents_classified') }}
),

traffic_classes as (
    select * from {{ ref('int_ip_user_agent_traffic_classes') }}
),

keyed as (
    select
        requests.*,
        {{ utc_to_local_date('requests.requested_at', var('curriculum_log_timezone')) }}
            as requested_date,
        ips.block_16,
        ips.block_24,
        coalesce(ips.is_private_ip, false) as is_private_ip,
        coalesce(ips.is_reserved_ip, false) as is_reserved_ip
    from requests
    left join ips
        on requests.ip = ips.ip
),

joined as (
    select
        keyed.*,
        cohorts.cohort_name,
        cohorts.program_id,
        programs.program_slug,
        programs.curriculum as program_curriculum,
        coalesce(cohorts.is_staff, false) as is_staff,
        coalesce(cohorts.is_placeholder, false) as is_placeholder_cohort,
        cohorts.start_date as cohort_start_date,
        cohorts.end_date as cohort_end_date,
        module_curricula.curriculum as content_curriculum,
        user_agents.os_class,
        user_agents.device_class,
        user_agents.is_bot,
        coalesce(traffic_classes.traffic_class, 'human') as traffic_class
    from keyed
    left join cohorts
        on keyed.cohort_id = cohorts.cohort_id
    left join programs
        on cohorts.program_id = programs.program_id
    left join module_curricula
        on keyed.module = module_curricula.module
    left join user_agents
        on {{ user_agent_join_key('keyed.user_agent_key') }} = user_agents.user_agent_key
    left join traffic_classes
        on
            keyed.ip = traffic_classes.ip
            and {{ user_agent_join_key('keyed.user_agent_key') }}
            = traffic_classes.user_agent_key
),

classified as (
    select
        joined.*,
        {# Start and end dates are both in session (inclusive), in local dates. #}
        case
            when joined.cohort_id is null then 'no_cohort'
            when joined.cohort_start_date is null then 'unknown_cohort'
            when joined.is_staff then 'staff'
            when joined.is_placeholder_cohort then 'placeholder'
            when joined.requested_date < joined.cohort_start_date then 'before'
            when joined.requested_date <= joined.cohort_end_date then 'during'
            else 'after'
        end as cohort_phase,
        coalesce(
            joined.content_curriculum != joined.program_curriculum, false
        ) as is_cross_program,
        {{ dbt.current_timestamp() }} as enriched_at
    from joined
)

select * from classified
