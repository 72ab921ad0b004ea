with

requests as (
    select * from {{ ref('int_requests_unioned') }}
),

cohorts as (
    select * from {{ ref('stg_curriculum__cohorts') }}
),

programs as (
    select * from {{ ref('programs') }}
),

module_curricula as (
    select * from {{ ref('module_curricula') }}
),

ip_addresses as (
    select * from {{ ref('int_ip_addresses_parsed') }}
),

keyed as (
    select
        requests.*,
        {# A user is the logged-in account; without one, the IP and user agent. #}
        case
            when requests.user_id is not null
                then {{ dbt.concat(["'user:'", dbt.cast("requests.user_id", dbt.type_string())]) }}
            else {{ dbt.concat([
                "'agent:'", "requests.ip", "'|'", "coalesce(requests.user_agent, '')"
            ]) }}
        end as user_key,
        {{ utc_to_local_date('requests.requested_at', var('curriculum_log_timezone')) }}
            as requested_date
    from requests
),

joined as (
    select
        keyed.*,
        cohorts.cohort_name,
        cohorts.program_id,
        programs.program_slug,
        programs.curriculum as program_curriculum,
        coalesce(cohorts.is_staff, false) as is_staff,
        cohorts.start_date as cohort_start_date,
        cohorts.end_date as cohort_end_date,
        module_curricula.curriculum as content_curriculum,
        ip_addresses.block_16,
        ip_addresses.block_24,
        coalesce(ip_addresses.is_private_ip, false) as is_private_ip,
        coalesce(ip_addresses.is_reserved_ip, false) as is_reserved_ip
    from keyed
    left join cohorts
        on keyed.cohort_id = cohorts.cohort_id
    left join programs
        on cohorts.program_id = programs.program_id
    left join module_curricula
        on keyed.module = module_curricula.module
    left join ip_addresses
        on keyed.ip = ip_addresses.ip
),

classified as (
    select
        joined.*,
        {# Start and end dates are both in session (inclusive), in local dates. #}
        case
            when joined.cohort_id is null then 'no_cohort'
            when joined.cohort_start_date is null then 'unknown_cohort'
            when joined.is_staff then 'staff'
            when joined.requested_date < joined.cohort_start_date then 'before'
            when joined.requested_date <= joined.cohort_end_date then 'during'
            else 'after'
        end as cohort_phase,
        coalesce(
            joined.content_curriculum != joined.program_curriculum, false
        ) as is_cross_program,
        joined.requested_at > {{ dbt.dateadd(
            'hour', var('future_tolerance_hours'), as_of_timestamp()
        ) }} as is_future_dated
    from joined
)

select * from classified
