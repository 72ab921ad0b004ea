with

source as (
    select * from {{ source('loads', 'loaded_files') }}
),

renamed as (
    select
        file_id,
        source_file,
        source_label,
        file_format,
        sha256,
        generation,
        lines_read,
        header_lines,
        rows_loaded,
        lines_rejected,
        lines_duplicate,
        lines_removed,
        continuation_lines,
        lines_read - header_lines as data_lines,
        loaded_at
    from source
)

select * from renamed
