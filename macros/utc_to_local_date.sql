{# The calendar date of instant `expression` in time zone `tz` (an IANA name). #}
{% macro utc_to_local_date(expression, tz) -%}
    {{ return(adapter.dispatch('utc_to_local_date', 'access_analytics')(expression, tz)) }}
{%- endmacro %}

{% macro default__utc_to_local_date(expression, tz) -%}
    cast(({{ expression }} at time zone '{{ tz }}') as date)
{%- endmacro %}

{% macro spark__utc_to_local_date(expression, tz) -%}
    to_date(from_utc_timestamp({{ expression }}, {{ sql_literal(tz) }}))
{%- endmacro %}
