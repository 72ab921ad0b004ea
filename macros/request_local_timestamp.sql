{#
    The local wall-clock time (timestamp without time zone) of a request at instant
    `expression`: shifted by the log's own UTC offset `offset_minutes` when the log
    writes one (combined format `+hhmm`), else in the var `curriculum_log_timezone`.
#}
{% macro request_local_timestamp(expression, offset_minutes) -%}
    {{ return(adapter.dispatch('request_local_timestamp', 'access_analytics')(
        expression, offset_minutes
    )) }}
{%- endmacro %}

{% macro default__request_local_timestamp(expression, offset_minutes) -%}
    case
        when {{ offset_minutes }} is null
            then {{ utc_to_local_timestamp(expression, var('curriculum_log_timezone')) }}
        else {{ dbt.dateadd(
            'minute', offset_minutes, utc_to_local_timestamp(expression, 'UTC')
        ) }}
    end
{%- endmacro %}
