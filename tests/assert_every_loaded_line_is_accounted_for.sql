{#
    Line-count reconciliation of the loads: for every loaded file version, its rows in
    the raw table and its rejected lines match the loader's counts, and its data lines
    are all accounted for: loaded + rejected + duplicate (already loaded from another
    file of the source) + removed (dropped by a later, shorter version) + continuation
    lines of multi-line CSV records.
    Reads the raw tables only, so a subset build (`--select +fct_sessions`) on a new
    database runs it without models it does not build. Returns the failing files.
#}
with

loaded_files as (
    select * from {{ source('loads', 'loaded_files') }}
),

raw_rows as (
    select
        file_id,
        count(*) as row_count
    from {{ source('curriculum', 'requests') }}
    group by file_id
    union all
    select
        file_id,
        count(*) as row_count
    from {{ source('curriculum', 'cohorts') }}
    group by file_id
    union all
    select
        file_id,
        count(*) as row_count
    from {{ source('web', 'requests') }}
    group by file_id
),

rows_per_file as (
    select
        file_id,
        sum(row_count) as row_count
    from raw_rows
    group by file_id
),

rejected_per_file as (
    select
        file_id,
        count(*) as rejected_count
    from {{ source('loads', 'rejected_lines') }}
    group by file_id
),

reconciled as (
    select
        loaded_files.file_id,
        loaded_files.source_file,
        loaded_files.lines_read - loaded_files.header_lines as data_lines,
        loaded_files.rows_loaded,
        loaded_files.lines_rejected,
        loaded_files.lines_duplicate,
        loaded_files.lines_removed,
        loaded_files.continuation_lines,
        coalesce(rows_per_file.row_count, 0) as row_count,
        coalesce(rejected_per_file.rejected_count, 0) as rejected_count
    from loaded_files
    left join rows_per_file
        on loaded_files.file_id = rows_per_file.file_id
    left join rejected_per_file
        on loaded_files.file_id = rejected_per_file.file_id
)

select *
from reconciled
where
    rows_loaded + lines_rejected + lines_duplicate + lines_removed + continuation_lines
    != data_lines
    or row_count != rows_loaded
    or rejected_count != lines_rejected
