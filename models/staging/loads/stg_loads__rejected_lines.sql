with

source as (
    select * from {{ source('loads', 'rejected_lines') }}
),

renamed as (
    select
        {{ dbt.concat([
            "source_file", "':'", dbt.cast("line_number", api.Column.translate_type("string"))
        ]) }} as rejected_line_id,
        source_file,
        line_number,
        file_format,
        raw_line,
        reason,
        loaded_at
    from source
)

select * from renamed
