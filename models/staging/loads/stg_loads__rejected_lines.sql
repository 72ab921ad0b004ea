with

source as (
    select * from {{ source('loads', 'rejected_lines') }}
),

renamed as (
    select
        {{ line_key() }} as rejected_line_id,
        file_id,
        source_file,
        line_number,
        file_format,
        raw_line,
        reason,
        loaded_at
    from source
)

select * from renamed
