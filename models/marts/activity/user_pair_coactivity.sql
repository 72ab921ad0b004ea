with

int_user_hourly_requests as (
    select * from {{ ref('int_user_hourly_requests') }}
),

{# N: every hour of the log's span, also the hours nobody was active. #}
log_span as (
    select
        {{ seconds_between('min(activity_hour)', 'max(activity_hour)') }} / 3600 + 1
            as span_hours
    from int_user_hourly_requests
),

users as (
    select
        user_key,
        count(*) as active_hours,
        cast(sum(requests) as {{ dbt.type_float() }}) as sum_requests,
        cast(sum(requests * requests) as {{ dbt.type_float() }}) as sum_squared_requests
    from int_user_hourly_requests
    group by user_key
    having sum(requests) >= {{ var('coactivity_min_requests') }}
),

eligible_hours as (
    select
        int_user_hourly_requests.user_key,
        int_user_hourly_requests.activity_hour,
        int_user_hourly_requests.requests
    from int_user_hourly_requests
    inner join users
        on int_user_hourly_requests.user_key = users.user_key
),

{# The cross products come from the hours both users were active only: an hour in
   which either user made no request adds 0 to the sum, so the dense series of
   N hours per user is never built. #}
pairs as (
    select
        first_user.user_key as user_key_a,
        second_user.user_key as user_key_b,
        count(*) as co_active_hours,
        cast(sum(first_user.requests * second_user.requests) as {{ dbt.type_float() }})
            as sum_cross_products
    from eligible_hours as first_user
    inner join eligible_hours as second_user
        on
            first_user.activity_hour = second_user.activity_hour
            and first_user.user_key < second_user.user_key
    group by first_user.user_key, second_user.user_key
),

{# Pearson's r over N hours from sums:
   (N sum xy - sum x sum y) / sqrt((N sum x2 - (sum x)2) (N sum y2 - (sum y)2)). #}
correlated as (
    select
        pairs.user_key_a,
        pairs.user_key_b,
        pairs.co_active_hours,
        user_a.active_hours as active_hours_a,
        user_b.active_hours as active_hours_b,
        (
            log_span.span_hours * pairs.sum_cross_products
            - user_a.sum_requests * user_b.sum_requests
        ) / nullif(
            sqrt(
                (
                    log_span.span_hours * user_a.sum_squared_requests
                    - user_a.sum_requests * user_a.sum_requests
                )
                * (
                    log_span.span_hours * user_b.sum_squared_requests
                    - user_b.sum_requests * user_b.sum_requests
                )
            ),
            0
        ) as hourly_correlation
    from pairs
    inner join users as user_a
        on pairs.user_key_a = user_a.user_key
    inner join users as user_b
        on pairs.user_key_b = user_b.user_key
    cross join log_span
),

ranked as (
    select
        correlated.*,
        row_number() over (
            order by hourly_correlation desc, user_key_a asc, user_key_b asc
        ) as pair_rank
    from correlated
    where hourly_correlation >= {{ var('coactivity_min_correlation') }}
),

final as (
    select
        {{ dbt.concat(['user_key_a', "'~'", 'user_key_b']) }} as user_pair_id,
        user_key_a,
        user_key_b,
        cast(hourly_correlation as {{ dbt.type_float() }}) as hourly_correlation,
        cast(co_active_hours as bigint) as co_active_hours,
        cast(active_hours_a as bigint) as active_hours_a,
        cast(active_hours_b as bigint) as active_hours_b,
        cast(pair_rank as bigint) as pair_rank
    from ranked
    where pair_rank <= {{ var('coactivity_max_pairs') }}
)

select * from final
