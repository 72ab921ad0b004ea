{# The cohort dimension (int_cohorts_covered), as a table for BI tools to join. #}
with

int_cohorts_covered as (
    select * from {{ ref('int_cohorts_covered') }}
)

select
    cohort_id,
    cohort_name,
    slack_channel,
    program_id,
    start_date,
    end_date,
    is_staff,
    is_placeholder,
    is_deleted,
    session_days,
    first_log_date,
    last_log_date,
    covered_from_date,
    covered_to_date,
    covered_days,
    log_coverage,
    log_coverage_kind
from int_cohorts_covered
