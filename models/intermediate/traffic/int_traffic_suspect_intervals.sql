-- depends_on: {{ ref('int_requests_traffic_facts') }}
{#
    Regularity: the number, mean and standard deviation of the gaps between each
    suspect's consecutive requests inside a visit, at the resolution its log really has,
    merged from the suspect's days (int_traffic_suspect_gap_days: counts and sums add
    up). Scripts are regular: the coefficient of variation of their gaps is small.
    Incremental: a run recomputes the suspects of the IPs with new or changed requests
    from their days, not from their requests.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['grain', 'suspect_key'],
        on_schema_change='fail',
    )
}}

with

gap_days as (
    select * from {{ ref('int_traffic_suspect_gap_days') }}
    where {{ traffic_facts_batch(['ip']) }}
),

merged as (
    select
        grain,
        suspect_key,
        sum(intervals) as intervals,
        sum(gap_seconds_sum) as gap_seconds_sum,
        sum(gap_seconds_squared_sum) as gap_seconds_squared_sum,
        max(facts_at) as facts_at
    from gap_days
    group by grain, suspect_key
),

{# The sample variance from the sums: (n * sum(x^2) - sum(x)^2) / (n * (n - 1)). #}
intervals as (
    select
        grain,
        suspect_key,
        cast(intervals as {{ dbt.type_bigint() }}) as intervals,
        cast(gap_seconds_sum / intervals as {{ dbt.type_float() }}) as mean_gap_seconds,
        case
            when intervals > 1
                then cast(
                    sqrt(
                        (intervals * gap_seconds_squared_sum - gap_seconds_sum * gap_seconds_sum)
                        / (intervals * (intervals - 1))
                    ) as {{ dbt.type_float() }}
                )
        end as stddev_gap_seconds,
        facts_at
    from merged
    where intervals > 0
)

select * from intervals
