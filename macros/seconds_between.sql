{# Seconds from `start` to `finish` (timestamps), with fractions, as a float. #}
{% macro seconds_between(start, finish) -%}
    {{ return(adapter.dispatch('seconds_between', 'access_analytics')(start, finish)) }}
{%- endmacro %}

{% macro default__seconds_between(start, finish) -%}
    cast(extract(epoch from ({{ finish }} - {{ start }})) as {{ dbt.type_float() }})
{%- endmacro %}

{#- PostgreSQL's extract() computes in numeric (since 14), date_part() in float8: half the
    time a row (sessions, gaps, durations; docs/performance.md). The same value for a gap
    under a day or between whole-second timestamps; otherwise within one unit in the
    last place (the day part is added to the rounded seconds). -#}
{% macro postgres__seconds_between(start, finish) -%}
    date_part('epoch', {{ finish }} - {{ start }})
{%- endmacro %}

{% macro spark__seconds_between(start, finish) -%}
    (cast(unix_micros({{ finish }}) - unix_micros({{ start }}) as double) / 1000000)
{%- endmacro %}
