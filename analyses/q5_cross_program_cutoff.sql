-- Question 5: when did cross-program access stop, and was it in use until then?
-- The monthly series shows whether it had stopped or dipped before.
with

cutoffs as (
    select * from {{ ref('cross_program_cutoffs') }}
),

monthly as (
    select * from {{ ref('cross_program_access') }}
)

select
    monthly.direction,
    monthly.month_date,
    monthly.requests,
    monthly.distinct_users,
    cutoffs.first_cross_access_date,
    cutoffs.cutoff_date,
    cutoffs.requests_in_last_30_days
from monthly
inner join cutoffs
    on monthly.direction = cutoffs.direction
order by monthly.direction, monthly.month_date
