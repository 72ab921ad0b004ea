{#
    Question 4 per IP + user agent: which of an IP's user agents behaves like a scraper,
    most suspicious first. Thin: rules, score and class from int_traffic_suspects_classified.
#}
with

suspects as (
    select * from {{ ref('int_traffic_suspects_classified') }}
    where grain = 'ip_user_agent'
),

final as (
    select
        suspects.suspect_key,
        suspects.ip,
        suspects.block_16,
        suspects.user_agent,
        {{ suspicion_rank('suspect_key') }} as suspicion_rank,
        suspects.score,
        suspects.traffic_class,
        suspects.traffic_class != 'human' as is_suspicious,
        suspects.reasons,
        {{ traffic_indicator_columns() }}
    from suspects
)

select * from final
