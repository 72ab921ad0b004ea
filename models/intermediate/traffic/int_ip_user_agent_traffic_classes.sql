-- depends_on: {{ ref('int_traffic_suspect_indicators') }}
{#
    The traffic class of every request, by its IP and user agent: a request from a
    non-human IP has the IP's class; else a bot's user agent makes it declared_bot, a
    missing one (in a file that carries the field) automated; else it is human.
    Incremental: a run classifies again the pairs of the IPs whose indicators it
    recomputed (int_traffic_suspect_indicators, `indicated_at`) and writes only the
    pairs that are new or whose class changed, with `classified_at` = the run's time,
    so the incremental sessions know whose requests to re-sessionize (an IP's class
    can change as data arrives).
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

facts as (
    select * from {{ ref('int_requests_traffic_facts') }}
    {% if is_incremental() %}
    where {{ in_subquery(
        'ip',
        'select indicators.ip from ' ~ ref('int_traffic_suspect_indicators')
        ~ " as indicators where indicators.grain = 'ip' and indicators.indicated_at > "
        ~ incremental_watermark('classified_at'),
    ) }}
    {% endif %}
),

suspects as (
    select * from {{ ref('int_traffic_suspects_classified') }}
    where grain = 'ip'
),

pairs as (
    select
        ip,
        user_agent,
        max(is_bot) as is_bot,
        max(is_missing_user_agent) as is_missing_user_agent
    from facts
    group by ip, user_agent
),

classified as (
    select
        pairs.ip,
        pairs.user_agent,
        case
            when suspects.traffic_class != 'human' then suspects.traffic_class
            when pairs.is_bot = 1 then 'declared_bot'
            when pairs.is_missing_user_agent = 1 then 'automated'
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
