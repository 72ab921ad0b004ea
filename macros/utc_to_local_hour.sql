{# The hour of day (0..23, an integer) of instant `expression` in time zone `tz` (IANA name). #}
{% macro utc_to_local_hour(expression, tz) -%}
    {{ return(adapter.dispatch('utc_to_local_hour', 'access_analytics')(expression, tz)) }}
{%- endmacro %}

{% macro default__utc_to_local_hour(expression, tz) -%}
    cast(extract(hour from ({{ expression }} at time zone '{{ tz }}')) as integer)
{%- endmacro %}

{% macro spark__utc_to_local_hour(expression, tz) -%}
    hour(from_utc_timestamp({{ expression }}, {{ sql_literal(tz) }}))
{%- endmacro %}
