{#
    The wall-clock time of instant `expression` in time zone `tz` (an IANA name), as a
    timestamp without time zone: its hour and weekday are the local ones.
#}
{% macro utc_to_local_timestamp(expression, tz) -%}
    {{ return(adapter.dispatch('utc_to_local_timestamp', 'access_analytics')(expression, tz)) }}
{%- endmacro %}

{% macro default__utc_to_local_timestamp(expression, tz) -%}
    ({{ expression }} at time zone '{{ tz }}')
{%- endmacro %}

{#- The wall-clock time as a Spark timestamp read in the session time zone (UTC). -#}
{% macro spark__utc_to_local_timestamp(expression, tz) -%}
    from_utc_timestamp({{ expression }}, {{ sql_literal(tz) }})
{%- endmacro %}
