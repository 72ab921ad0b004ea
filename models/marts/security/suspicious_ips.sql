{#
    Question 4: which IPs behave like scrapers, scanners or bots, most suspicious first.
    Thin: the rules, score and class are those of int_traffic_suspects_classified.
#}
with

suspects as (
    select * from {{ ref('int_traffic_suspects_classified') }}
    where grain = 'ip'
),

final as (
    select
        suspects.ip,
        suspects.block_16,
        {{ suspicion_rank('ip') }} as suspicion_rank,
        suspects.score,
        suspects.traffic_class,
        suspects.traffic_class != 'human' as is_suspicious,
        suspects.reasons,
        {{ traffic_indicator_columns() }}
    from suspects
)

select * from final
