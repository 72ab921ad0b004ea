{#
    The user dimension: every user (user_key: the account, or without one the IP and
    user agent) of any log, with the span of their requests and their cohorts. Read
    from the stored request stream, so it holds every user a fact can name.
    Grouped twice, by user and cohort, then by user: the distinct cohorts are the rows
    of the first grouping, so no step sorts the requests (a `count(distinct)` over them
    would: a sort grows faster than the data).
#}
with

int_requests_unioned as (
    select * from {{ ref('int_requests_unioned') }}
),

dim_cohorts as (
    select * from {{ ref('dim_cohorts') }}
),

user_cohorts as (
    select
        user_key,
        cohort_id,
        max(user_id) as user_id,
        count(*) as requests,
        min(requested_at) as first_seen_at,
        max(requested_at) as last_seen_at
    from int_requests_unioned
    group by user_key, cohort_id
),

users as (
    select
        user_cohorts.user_key,
        max(user_cohorts.user_id) as user_id,
        sum(user_cohorts.requests) as requests,
        min(user_cohorts.first_seen_at) as first_seen_at,
        max(user_cohorts.last_seen_at) as last_seen_at,
        count(user_cohorts.cohort_id) as cohorts,
        min(user_cohorts.cohort_id) as min_cohort_id,
        {{ dbt.bool_or('coalesce(dim_cohorts.is_staff, false)') }} as is_staff
    from user_cohorts
    left join dim_cohorts
        on user_cohorts.cohort_id = dim_cohorts.cohort_id
    group by user_cohorts.user_key
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
