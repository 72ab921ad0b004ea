{#
    The traffic class of every IP: human, declared_bot, automated or scanner, the rules
    that made it (`reasons`) and the indicators they read. Computed once in
    int_traffic_suspects_classified; sessions and human analytics use the same class.
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
        suspects.traffic_class,
        suspects.reasons,
        suspects.scanner_score,
        suspects.declared_bot_score,
        suspects.automated_score,
        {{ traffic_indicator_columns() }}
    from suspects
)

select * from final
