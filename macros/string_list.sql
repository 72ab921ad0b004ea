{# A list of strings as comma-separated SQL literals of the engine (sql_literal), for `x in (...)`. #}
{% macro string_list(values) -%}
    {%- for value in values -%}
        {{ sql_literal(value) }}{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
