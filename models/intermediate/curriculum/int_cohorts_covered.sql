{#
    Every cohort once, with how much of its session the
    curriculum log covers. The log's span is its first to last request date; a cohort
    whose session starts before the log (or ends after it) is seen only in part, and
    marts that compare cohorts must not compare a part with a whole.
#}
with

cohorts as (
    select * from {{ ref('stg_curriculum__cohorts') }}
),

int_requests_enriched as (
    select * from {{ ref('int_requests_enriched') }}
),

log_span as (
    select
        min(requested_date) as first_log_date,
        max(requested_date) as last_log_date
    from int_requests_enriched
    where log_kind = 'curriculum'
),

covered as (
    select
        cohorts.*,
        log_span.first_log_date,
        log_span.last_log_date,
        {# Dates are inclusive at both ends, as cohort_phase 'during'. #}
        {{ dbt.datediff('cohorts.start_date', 'cohorts.end_date', 'day') }}
        + 1 as session_days,
        greatest(cohorts.start_date, log_span.first_log_date) as covered_from_date,
        least(cohorts.end_date, log_span.last_log_date) as covered_to_date
    from cohorts
    cross join log_span
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
        cast(
            1.0 * covered_days / nullif(session_days, 0) as {{ dbt.type_float() }}
        ) as log_coverage,
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
