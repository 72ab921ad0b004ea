{#
    What became of every loaded file version: the loader's line counts, the rejected
    lines listed for it (the loader's count and the list must agree) and its requests
    that are dated in the future (kept out of the sessions until their time comes).
    A request belongs to the version loaded with it: same file, same load time (one
    load at a time, `loaded_at` is the load's transaction start).
#}
with

loaded_files as (
    select * from {{ ref('stg_loads__loaded_files') }}
),

rejected_lines as (
    select * from {{ ref('stg_loads__rejected_lines') }}
),

future_dated as (
    select * from {{ ref('int_requests_future_dated') }}
),

rejected_per_file as (
    select
        file_id,
        count(*) as rejected_lines_listed,
        min(line_number) as first_rejected_line_number
    from rejected_lines
    group by file_id
),

future_dated_per_file as (
    select
        source_file,
        loaded_at,
        count(*) as future_dated_requests
    from future_dated
    group by source_file, loaded_at
),

counted as (
    select
        loaded_files.file_id,
        loaded_files.source_file,
        loaded_files.source_label,
        loaded_files.file_format,
        loaded_files.generation,
        loaded_files.loaded_at,
        loaded_files.data_lines,
        loaded_files.rows_loaded,
        loaded_files.lines_rejected,
        loaded_files.lines_duplicate,
        loaded_files.lines_removed,
        loaded_files.continuation_lines,
        coalesce(rejected_per_file.rejected_lines_listed, 0) as rejected_lines_listed,
        rejected_per_file.first_rejected_line_number,
        coalesce(future_dated_per_file.future_dated_requests, 0) as future_dated_requests,
        cast(
            1.0 * loaded_files.lines_rejected / nullif(loaded_files.data_lines, 0)
            as {{ dbt.type_float() }}
        ) as rejected_share
    from loaded_files
    left join rejected_per_file
        on loaded_files.file_id = rejected_per_file.file_id
    left join future_dated_per_file
        on
            loaded_files.source_file = future_dated_per_file.source_file
            and loaded_files.loaded_at = future_dated_per_file.loaded_at
)

select * from counted
