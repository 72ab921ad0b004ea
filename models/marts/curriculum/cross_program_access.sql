{#
    Question 5: requests by students of one curriculum (web_dev, data_science) for
    lessons of the other, per month. Staff may read everything and are left out.
    The detected cut-off of each direction is in cross_program_cutoffs.
#}
with

int_cross_program_requests as (
    select * from {{ ref('int_cross_program_requests') }}
),

cross_requests as (
    select
        cast({{ dbt.date_trunc('month', 'requested_date') }} as date) as month_date,
        program_curriculum,
        content_curriculum,
        direction,
        user_id
    from int_cross_program_requests
),

monthly as (
    select
        month_date,
        direction,
        program_curriculum,
        content_curriculum,
        count(*) as requests,
        count(distinct user_id) as distinct_users
    from cross_requests
    group by month_date, direction, program_curriculum, content_curriculum
)

select * from monthly
