{#
    Question 5: when was cross-program access shut off? The cut-off of a direction
    is the day after its last cross-program request (nothing crosses from then on);
    requests in the 30 days before it show whether access was in regular use up to
    the cut-off or had already faded. Cross requests before the cut-off ("did it
    happen before?") are counted per month in cross_program_access.
#}
with

cross_program_access as (
    select * from {{ ref('cross_program_access') }}
),

int_cross_program_requests as (
    select * from {{ ref('int_cross_program_requests') }}
),

bounds as (
    select
        direction,
        min(requested_date) as first_cross_access_date,
        max(requested_date) as last_cross_access_date,
        count(*) as cross_requests
    from int_cross_program_requests
    group by direction
),

monthly_totals as (
    select
        direction,
        count(*) as months_with_cross_access
    from cross_program_access
    group by direction
),

recent as (
    select
        bounds.direction,
        count(*) as requests_in_last_30_days,
        count(distinct int_cross_program_requests.user_id) as users_in_last_30_days
    from bounds
    inner join int_cross_program_requests
        on
            bounds.direction = int_cross_program_requests.direction
            and int_cross_program_requests.requested_date
            > {{ dbt.dateadd('day', -30, 'bounds.last_cross_access_date') }}
    group by bounds.direction
),

final as (
    select
        bounds.direction,
        bounds.first_cross_access_date,
        bounds.last_cross_access_date,
        cast(
            {{ dbt.dateadd('day', 1, 'bounds.last_cross_access_date') }} as date
        ) as cutoff_date,
        bounds.cross_requests,
        monthly_totals.months_with_cross_access,
        recent.requests_in_last_30_days,
        recent.users_in_last_30_days
    from bounds
    inner join monthly_totals
        on bounds.direction = monthly_totals.direction
    inner join recent
        on bounds.direction = recent.direction
)

select * from final
