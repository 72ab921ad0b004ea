{# The operators' view of the loads (int_loaded_files_counted), as a table. #}
with

int_loaded_files_counted as (
    select * from {{ ref('int_loaded_files_counted') }}
)

select
    file_id,
    source_file,
    source_label,
    file_format,
    generation,
    loaded_at,
    data_lines,
    rows_loaded,
    lines_rejected,
    lines_duplicate,
    lines_removed,
    continuation_lines,
    rejected_lines_listed,
    first_rejected_line_number,
    future_dated_requests,
    rejected_share
from int_loaded_files_counted
