{# Seconds from `start` to `finish` (timestamps), with fractions, as a float. #}
{% macro seconds_between(start, finish) -%}
    {{ return(adapter.dispatch('seconds_between', 'access_analytics')(start, finish)) }}
{%- endmacro %}

{% macro default__seconds_between(start, finish) -%}
    cast(extract(epoch from ({{ finish }} - {{ start }})) as {{ dbt.type_float() }})
{%- endmacro %}

{% macro spark__seconds_between(start, finish) -%}
    (cast(unix_micros({{ finish }}) - unix_micros({{ start }}) as double) / 1000000)
{%- endmacro %}
