{#
    request_id (doc block request_id) from the loaded file's id and the line number:
    file_id * 10^10 + line_number. A file of more than 10^10 lines would reach the next
    file's keys; the unique index on request_id of int_requests_unioned would then stop
    the build. Why keys that grow with the loads: docs/performance.md, "Request keys
    that grow with the loads".
#}
{% macro request_key(file_id='file_id', line_number='line_number') -%}
    ({{ file_id }} * 10000000000 + {{ line_number }})
{%- endmacro %}
