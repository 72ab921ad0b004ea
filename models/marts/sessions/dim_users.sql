{#
    The user dimension: every user (user_key: the account, or without one the IP and
    user agent) of any log, with the span of their requests and their cohorts. Read
    from the stored request stream, so it holds every user a fact can name.
#}
with

int_requests_unioned as (
    select * from {{ ref('int_requests_unioned') }}
),

dim_cohorts as (
    select * from {{ ref('dim_cohorts') }}
),

users as (
    select
        int_requests_unioned.user_key,
        max(int_requests_unioned.user_id) as user_id,
        count(*) as requests,
        min(int_requests_unioned.requested_at) as first_seen_at,
        max(int_requests_unioned.requested_at) as last_seen_at,
        count(distinct int_requests_unioned.cohort_id) as cohorts,
        min(int_requests_unioned.cohort_id) as min_cohort_id,
        {{ dbt.bool_or('coalesce(dim_cohorts.is_staff, false)') }} as is_staff
    from int_requests_unioned
    left join dim_cohorts
        on int_requests_unioned.cohort_id = dim_cohorts.cohort_id
    group by int_requests_unioned.user_key
),

final as (
    select
        user_key,
        cast(user_id as bigint) as user_id,
        user_id is not null as is_account,
        {# The cohort when the user was in exactly one. #}
        cast(case when cohorts = 1 then min_cohort_id end as bigint) as cohort_id,
        cast(cohorts as bigint) as cohorts,
        is_staff,
        cast(requests as bigint) as requests,
        first_seen_at,
        last_seen_at
    from users
)

select * from final
