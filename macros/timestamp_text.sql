{#
    A UTC timestamp as text, the same on every engine, for keys hashed from it (session_id,
    activity_id): PostgreSQL's text of a timestamp with time zone in the warehouse's UTC
    session, e.g. `2018-08-08 09:00:24+00` (fractions of a second without trailing zeros).
#}
{% macro timestamp_text(expression) -%}
    {{ return(adapter.dispatch('timestamp_text', 'access_analytics')(expression)) }}
{%- endmacro %}

{% macro default__timestamp_text(expression) -%}
    {{ dbt.cast(expression, dbt.type_string()) }}
{%- endmacro %}

{#- Spark (session time zone UTC) writes the same text without the zone: add it. -#}
{% macro spark__timestamp_text(expression) -%}
    concat(cast({{ expression }} as string), '+00')
{%- endmacro %}
