{#
    Every cohort once, with how much of its session the
    curriculum log covers. The log's span is its first to last request date; a cohort
    whose session starts before the log (or ends after it) is seen only in part, and
    marts that compare cohorts must not compare a part with a whole.
    A table (one row per cohort): its readers and tests do not rescan the requests.
#}
{{ config(materialized='table') }}

with

cohorts as (
    select * from {{ ref('stg_curriculum__cohorts') }}
),

{# The stored requests, not int_requests_enriched: the span needs no cohort, user
   agent or traffic class, and that view would join them all for every request. The
   local date is int_requests_enriched's requested_date. #}
int_requests_unioned as (
    select * from {{ ref('int_requests_unioned') }}
),

log_span as (
    select
        min({{ utc_to_local_date('requested_at', var('curriculum_log_timezone')) }})
            as first_log_date,
        max({{ utc_to_local_date('requested_at', var('curriculum_log_timezone')) }})
            as last_log_date
    from int_requests_unioned
    where log_kind = 'curriculum'
),

{# The span as two scalar subqueries, each evaluated once: in a cross join the planner,
   which cannot estimate the versioned cohorts (one row, it guesses), put the scan of
   every request inside a nested loop and ran it once per cohort. #}
spanned as (
    select
        cohorts.*,
        (select log_span.first_log_date from log_span) as first_log_date,
        (select log_span.last_log_date from log_span) as last_log_date
    from cohorts
),

covered as (
    select
        spanned.*,
        {# Dates are inclusive at both ends, as cohort_phase 'during'. #}
        {{ dbt.datediff('spanned.start_date', 'spanned.end_date', 'day') }}
        + 1 as session_days,
        greatest(spanned.start_date, spanned.first_log_date) as covered_from_date,
        least(spanned.end_date, spanned.last_log_date) as covered_to_date
    from spanned
),

measured as (
    select
        covered.*,
        greatest(
            {{ dbt.datediff('covered_from_date', 'covered_to_date', 'day') }}
            + 1,
            0
        ) as covered_days
    from covered
),

final as (
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
        cast(session_days as bigint) as session_days,
        first_log_date,
        last_log_date,
        case when covered_days > 0 then covered_from_date end as covered_from_date,
        case when covered_days > 0 then covered_to_date end as covered_to_date,
        cast(covered_days as bigint) as covered_days,
        {#- A float division: Spark divides decimals to 12 places only (0.322580645161). -#}
        cast(covered_days as {{ dbt.type_float() }})
        / nullif(session_days, 0) as log_coverage,
        case
            when first_log_date is null then null
            when covered_days = 0 then 'outside_log'
            when start_date < first_log_date and end_date > last_log_date
                then 'cut_at_both_ends'
            when start_date < first_log_date then 'cut_at_start'
            when end_date > last_log_date then 'cut_at_end'
            else 'full'
        end as log_coverage_kind
    from measured
)

select * from final
