{# The key of a loaded line: `source_file:line_number`, unique across all loaded files. #}
{% macro line_key(source_file='source_file', line_number='line_number') -%}
    {{ dbt.concat([source_file, "':'", dbt.cast(line_number, api.Column.translate_type("string"))]) }}
{%- endmacro %}
