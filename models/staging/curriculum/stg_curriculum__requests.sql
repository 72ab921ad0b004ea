with

source as (
    select * from {{ source('curriculum', 'requests') }}
),

renamed as (
    select
        {{ request_key() }} as request_id,
        file_id,
        source_file,
        line_number,
        {{ local_to_utc('requested_at', var('curriculum_log_timezone')) }} as requested_at,
        path as raw_path,
        {{ normalize_path('path') }} as path,
        user_id,
        cohort_id,
        trim(ip) as ip,
        nullif(trim(user_agent), '') as user_agent,
        loaded_at
    from source
),

parsed as (
    select
        renamed.*,
        {{ path_parts('path') }},
        {{ ip_parts('ip') }}
    from renamed
)

select * from parsed
