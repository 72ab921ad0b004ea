{#
    The key of a loaded line: the loader's `line_key` column, a hash of the file format,
    the source, the line's text and its occurrence in the file. The same line loaded
    from two files of one source (a rotated log, an overlapping export) has one key and
    is stored once.
#}
{% macro line_key() -%}
    line_key
{%- endmacro %}
