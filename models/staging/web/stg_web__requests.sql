with

source as (
    select * from {{ source('web', 'requests') }}
),

renamed as (
    select
        {{ request_key() }} as request_id,
        file_id,
        source_file,
        line_number,
        requested_at,
        utc_offset_minutes,
        trim(ip) as ip,
        auth_user,
        upper(method) as method,
        path as raw_path,
        {{ normalize_path('path') }} as path,
        protocol,
        status,
        response_bytes,
        referrer,
        nullif(trim(user_agent), '') as user_agent,
        request_line,
        loaded_at
    from source
),

parsed as (
    select
        renamed.*,
        {{ path_parts('path') }},
        {{ ip_parts('ip') }},
        {{ referrer_parts('referrer') }},
        status >= 400 as is_error
    from renamed
)

select * from parsed
