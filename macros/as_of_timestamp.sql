{#
    "Now" for the models: the var `as_of_timestamp` when set (reproducible runs and
    tests), else the current time.
#}
{% macro as_of_timestamp() -%}
    {%- if var('as_of_timestamp', none) -%}
        cast('{{ var("as_of_timestamp") }}' as {{ dbt.type_timestamp() }})
    {%- else -%}
        {{ dbt.current_timestamp() }}
    {%- endif -%}
{%- endmacro %}
