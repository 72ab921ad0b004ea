{{ config(materialized='table') }}

with

requests as (
    select * from {{ ref('int_requests_sessionized') }}
),

localised as (
    select
        user_key,
        requested_local_time as requested_local_at
    from requests
),

binned as (
    select
        user_key,
        cast(
            {{ extract_part('hour', 'requested_local_at') }} * 4
            + floor({{ extract_part('minute', 'requested_local_at') }} / 15)
            as integer
        ) as quarter_hour,
        count(*) as requests
    from localised
    group by
        user_key,
        cast(
            {{ extract_part('hour', 'requested_local_at') }} * 4
            + floor({{ extract_part('minute', 'requested_local_at') }} / 15)
            as integer
        )
),

{# Quartile 1 is the least active quarter of the users; ties broken by user_key so
   that the split is deterministic. #}
totals as (
    select
        user_key,
        sum(requests) as total_requests,
        ntile(4) over (order by sum(requests), user_key) as activity_quartile
    from binned
    group by user_key
),

quarter_hours as (
    select cast(generated_number - 1 as integer) as quarter_hour
    from ({{ dbt.generate_series(96) }}) as series
),

{# Every user gets all 96 bins: a bin without requests is a share of 0, and the
   distance to the reference profile must see it. #}
dense as (
    select
        totals.user_key,
        quarter_hours.quarter_hour,
        totals.total_requests,
        totals.activity_quartile,
        coalesce(binned.requests, 0) as requests
    from totals
    cross join quarter_hours
    left join binned
        on
            totals.user_key = binned.user_key
            and quarter_hours.quarter_hour = binned.quarter_hour
),

final as (
    select
        user_key,
        quarter_hour,
        cast(requests as bigint) as requests,
        cast(total_requests as bigint) as total_requests,
        cast(activity_quartile as integer) as activity_quartile,
        cast(requests as {{ dbt.type_float() }}) / total_requests as share_of_user_requests
    from dense
)

select * from final
