{#
    Question 3: students who hardly used the curriculum while their class was in
    session. Only cohorts whose session the log covers at least in part (dim_cohorts)
    are judged: a cohort that ended before the log starts (or starts after it ends)
    has no in-session requests to count, and every student of it would look inactive.
#}
with

{# Only the columns needed: this CTE is read several times, so it is materialized. #}
requests as (
    select
        user_id,
        cohort_id,
        is_staff,
        cohort_phase,
        ip,
        requested_date,
        requested_at
    from {{ ref('int_requests_enriched') }}
    where log_kind = 'curriculum'
),

dim_cohorts as (
    select * from {{ ref('dim_cohorts') }}
),

{# Judged: a class whose session the log covers at least in part. #}
judged_cohorts as (
    select *
    from dim_cohorts
    where
        not is_staff
        and not is_placeholder
        and covered_days > 0
),

student_cohorts as (
    select
        requests.user_id,
        requests.cohort_id,
        {# In session: the request's cohort_phase (int_requests_enriched) is `during`. #}
        sum(case when requests.cohort_phase = 'during' then 1 else 0 end)
            as in_session_requests
    from requests
    inner join judged_cohorts
        on requests.cohort_id = judged_cohorts.cohort_id
    group by requests.user_id, requests.cohort_id
),

inactive as (
    select *
    from student_cohorts
    where in_session_requests <= {{ var('inactive_max_requests') }}
),

staff_ips as (
    select distinct ip
    from requests
    where is_staff
),

user_activity as (
    select
        user_id,
        count(*) as total_requests,
        min(requested_at) as first_seen_at,
        max(requested_at) as last_seen_at,
        count(distinct requested_date) as days_active
    from requests
    where user_id in (select inactive.user_id from inactive)
    group by user_id
),

user_ips as (
    select distinct
        requests.user_id,
        requests.ip,
        staff_ips.ip is not null as is_staff_ip
    from requests
    left join staff_ips
        on requests.ip = staff_ips.ip
    where requests.user_id in (select inactive.user_id from inactive)
),

ip_summary as (
    select
        user_id,
        count(*) as distinct_ips,
        {{ dbt.listagg('ip', "', '", 'order by ip') }} as ips,
        {{ dbt.bool_or('is_staff_ip') }} as shares_ip_with_staff
    from user_ips
    group by user_id
),

final as (
    select
        inactive.user_id,
        inactive.cohort_id,
        judged_cohorts.cohort_name,
        judged_cohorts.program_id,
        inactive.in_session_requests,
        user_activity.total_requests,
        user_activity.first_seen_at,
        user_activity.last_seen_at,
        user_activity.days_active,
        ip_summary.distinct_ips,
        ip_summary.ips,
        ip_summary.shares_ip_with_staff,
        user_activity.days_active = 1 as is_one_day_account
    from inactive
    inner join judged_cohorts
        on inactive.cohort_id = judged_cohorts.cohort_id
    inner join user_activity
        on inactive.user_id = user_activity.user_id
    inner join ip_summary
        on inactive.user_id = ip_summary.user_id
)

select * from final
