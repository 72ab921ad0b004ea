with

source as (
    select * from {{ source('curriculum', 'cohorts') }}
),

{# Several exports of the cohort table may be loaded: the newest row of an id wins. #}
versioned as (
    select
        source.*,
        row_number() over (
            partition by id
            order by loaded_at desc, source_file desc, line_number desc
        ) as version_rank
    from source
),

renamed as (
    select
        id as cohort_id,
        trim(name) as cohort_name,
        nullif(trim(slack), '') as slack_channel,
        start_date,
        end_date,
        program_id,
        trim(name) in ({{ string_list(var('staff_cohort_names')) }}) as is_staff,
        {# A "cohort" spanning years holds students in transition, not a class. #}
        coalesce(
            {{ dbt.datediff('start_date', 'end_date', 'day') }}
            > {{ var('placeholder_cohort_min_days') }},
            false
        ) as is_placeholder,
        deleted_at is not null as is_deleted,
        {{ local_to_utc('created_at', var('curriculum_log_timezone')) }} as created_at,
        {{ local_to_utc('updated_at', var('curriculum_log_timezone')) }} as updated_at,
        {{ local_to_utc('deleted_at', var('curriculum_log_timezone')) }} as deleted_at,
        source_file,
        line_number,
        loaded_at
    from versioned
    where version_rank = 1
)

select * from renamed
