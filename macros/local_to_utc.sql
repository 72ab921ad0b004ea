{#
    A naive local timestamp written in time zone `tz` (an IANA name such as
    'America/Chicago'), as an instant (timestamptz, shown in UTC).
#}
{% macro local_to_utc(expression, tz) -%}
    {{ return(adapter.dispatch('local_to_utc', 'access_analytics')(expression, tz)) }}
{%- endmacro %}

{% macro default__local_to_utc(expression, tz) -%}
    ({{ expression }} at time zone '{{ tz }}')
{%- endmacro %}

{#- Spark timestamps are instants shown in the session time zone, which must be UTC. -#}
{% macro spark__local_to_utc(expression, tz) -%}
    to_utc_timestamp({{ expression }}, {{ sql_literal(tz) }})
{%- endmacro %}
