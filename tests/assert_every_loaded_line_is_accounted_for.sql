{#
    Row-count reconciliation: for every loaded file, the rows in its raw table plus
    its rejected lines equal its data lines, and match the loader's own counts.
    Returns the files for which that does not hold.
#}
with

loaded_files as (
    select * from {{ ref('stg_loads__loaded_files') }}
),

rejected_lines as (
    select * from {{ ref('stg_loads__rejected_lines') }}
),

raw_rows as (
    select
        source_file,
        count(*) as row_count
    from {{ source('curriculum', 'requests') }}
    group by source_file
    union all
    select
        source_file,
        count(*) as row_count
    from {{ source('curriculum', 'cohorts') }}
    group by source_file
    union all
    select
        source_file,
        count(*) as row_count
    from {{ source('web', 'requests') }}
    group by source_file
),

rows_per_file as (
    select
        source_file,
        sum(row_count) as row_count
    from raw_rows
    group by source_file
),

rejected_per_file as (
    select
        source_file,
        count(*) as rejected_count
    from rejected_lines
    group by source_file
),

reconciled as (
    select
        loaded_files.source_file,
        loaded_files.data_lines,
        loaded_files.rows_loaded,
        loaded_files.lines_rejected,
        coalesce(rows_per_file.row_count, 0) as row_count,
        coalesce(rejected_per_file.rejected_count, 0) as rejected_count
    from loaded_files
    left join rows_per_file
        on loaded_files.source_file = rows_per_file.source_file
    left join rejected_per_file
        on loaded_files.source_file = rejected_per_file.source_file
)

select *
from reconciled
where
    row_count + rejected_count != data_lines
    or row_count != rows_loaded
    or rejected_count != lines_rejected
