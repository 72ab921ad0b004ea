with

source as (
    select * from {{ source('loads', 'loaded_files') }}
),

renamed as (
    select
        source_file,
        file_format,
        sha256,
        lines_read,
        header_lines,
        rows_loaded,
        lines_rejected,
        lines_read - header_lines as data_lines,
        loaded_at
    from source
)

select * from renamed
