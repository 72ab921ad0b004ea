{# A list of strings as comma-separated SQL literals, for `x in (...)`. #}
{% macro string_list(values) -%}
    {%- for value in values -%}
        '{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
