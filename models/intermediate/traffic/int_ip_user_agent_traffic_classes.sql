{#
    The traffic class of every request, by its IP and user agent: a request from a
    non-human IP has the IP's class; else a bot's user agent makes it declared_bot, a
    missing one (in a file that carries the field) automated; else it is human.
    The pairs and their flags are the suspects of grain `ip_user_agent`
    (int_traffic_suspect_indicators: one row per pair, not its requests).
    Incremental: a run classifies again the pairs whose indicators it recomputed
    (`indicated_at`: all pairs of the IPs with new or changed requests) and writes only
    the pairs that are new or whose class changed, with `classified_at` = the run's
    time, so the incremental sessions know whose requests to re-sessionize (an IP's
    class can change as data arrives).
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['ip', 'user_agent'],
        on_schema_change='fail',
        indexes=[{'columns': ['classified_at']}],
    )
}}

with

indicators as (
    select * from {{ ref('int_traffic_suspect_indicators') }}
    {%- if is_incremental() %}
    where indicated_at > {{ incremental_watermark('classified_at') }}
    {%- endif %}
),

suspects as (
    select * from {{ ref('int_traffic_suspects_classified') }}
    where grain = 'ip'
),

pairs as (
    select
        ip,
        user_agent,
        has_bot_user_agent,
        missing_user_agent_requests > 0 as has_missing_user_agent
    from indicators
    where grain = 'ip_user_agent'
),

classified as (
    select
        pairs.ip,
        pairs.user_agent,
        case
            when suspects.traffic_class != 'human' then suspects.traffic_class
            when pairs.has_bot_user_agent then 'declared_bot'
            when pairs.has_missing_user_agent then 'automated'
            else 'human'
        end as traffic_class
    from pairs
    inner join suspects
        on pairs.ip = suspects.ip
),

final as (
    select
        classified.ip,
        classified.user_agent,
        {#- The key int_requests_enriched joins on (doc block user_agent_key). #}
        {{ user_agent_key('classified.user_agent') }} as user_agent_key,
        classified.traffic_class,
        {{ dbt.current_timestamp() }} as classified_at
    from classified
    {% if is_incremental() %}
    left join {{ this }} as previous
        on
            classified.ip = previous.ip
            and classified.user_agent = previous.user_agent
    where
        previous.ip is null
        or previous.traffic_class != classified.traffic_class
    {% endif %}
)

select * from final
