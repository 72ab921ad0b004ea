{#
    The key of a stored request: its loaded file's id and its line number in one
    integer, file_id * 10^10 + line_number (file 3, line 12,345 is 30000012345). The
    same line loaded from two files of one source is stored once (the loader keeps the
    first, by its `line_key`), so the key is unique across all loaded files; a file of
    more than 10^10 lines would reach the next file's keys, and the unique index on
    request_id of int_requests_unioned would stop the build. Keys grow with the loads:
    a day's new requests take the last leaves of every index on request_id instead of
    a leaf each. Requests logged at one instant are ordered as their log wrote them
    within a file, and by load across files.
#}
{% macro request_key(file_id='file_id', line_number='line_number') -%}
    ({{ file_id }} * 10000000000 + {{ line_number }})
{%- endmacro %}
