with

int_shared_account_days as (
    select * from {{ ref('int_shared_account_days') }}
),

accounts as (
    select
        user_key,
        max(user_id) as user_id,
        count(*) as shared_days,
        min(activity_date) as first_shared_date,
        max(activity_date) as last_shared_date,
        sum(switches) as switches,
        max(places) as max_places,
        sum(overlap_minutes) as overlap_minutes
    from int_shared_account_days
    group by user_key
),

final as (
    select
        user_key,
        user_id,
        cast(shared_days as bigint) as shared_days,
        first_shared_date,
        last_shared_date,
        cast(switches as bigint) as switches,
        cast(max_places as bigint) as max_places,
        cast(overlap_minutes as {{ dbt.type_float() }}) as overlap_minutes
    from accounts
)

select * from final
